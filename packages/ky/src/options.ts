/**
 * The options of `tokenRefresh()`, the per-request switch, and where the token may go when `origins` is not given.
 */
import type { CommonAdapterOptions } from '@tokenrelay/core';
import type { NormalizedOptions } from 'ky';

/**
 * Options of `tokenRefresh()`.
 *
 * `origins` defaults to the origin of the request's absolute `prefix`, else of its `baseUrl` (ky 2 resolves a
 * relative `baseUrl` against the page, and so do we). A request with neither and no `origins` option is rejected
 * with a `ConfigurationError`: a token never goes everywhere by default.
 */
export interface KyTokenRefreshOptions extends CommonAdapterOptions {}

/**
 * The per-request switch, read from ky's `context` option: `context: { tokenRelay: false }` sends that request
 * without a token and never refreshes for it.
 */
export interface TokenRelayContext {
  readonly tokenRelay?: false | undefined;
}

export const optedOut = (context: Readonly<Record<string, unknown>> | undefined): boolean =>
  (context as TokenRelayContext | undefined)?.tokenRelay === false;

/** The page a relative `baseUrl` resolves against, as ky does; none outside a browser. */
const pageUrl = (): string | undefined => {
  const { location } = globalThis as { location?: { href?: unknown } };
  return typeof location?.href === 'string' ? location.href : undefined;
};

const absoluteUrl = (value: string | URL | undefined, base?: string): URL | undefined => {
  if (value === undefined || value === '') return undefined;
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
};

/**
 * The base URL a request was built from: an absolute `prefix` wins (ky then bypasses `baseUrl`), else `baseUrl`.
 */
export function clientBaseUrl(options: Pick<NormalizedOptions, 'prefix' | 'baseUrl'>): URL | undefined {
  return absoluteUrl(options.prefix) ?? absoluteUrl(options.baseUrl, pageUrl());
}
