/**
 * The options of `tokenRefresh()`, the per-request switch, and where the token may go when `origins` is not given.
 */
import { type CommonAdapterOptions, type ManagerSource, pageUrl } from '@tokenrelay/core/adapter-kit';
import type { NormalizedOptions, Options } from 'ky';

/**
 * Options of `tokenRefresh()`.
 *
 * `origins` defaults to the origin of the client's absolute `prefix`, else of its `baseUrl` (ky 2 resolves a
 * relative `baseUrl` against the page, and so do we), as they are when `.extend()` is called. A `prefix` or
 * `baseUrl` given later, per request or by a further `.extend()`, never sends the token elsewhere. With neither
 * and no `origins` option, `.extend()` throws a `ConfigurationError`: a token never goes everywhere by default.
 */
export interface KyTokenRefreshOptions extends CommonAdapterOptions {}

/** What a manager resolver is called with: the request about to be sent and ky's options for it. */
export interface KyRequestInfo {
  readonly request: Request;
  readonly options: NormalizedOptions;
}

/**
 * The manager of each request: one `TokenManager`, or a resolver, e.g.
 * `({ options }) => pool.get(String(options.context.userId))`.
 */
export type KyManagerSource = ManagerSource<KyRequestInfo>;

/**
 * The per-request switch, read from ky's `context` option: `context: { tokenRelay: false }` sends that request
 * without a token and never refreshes for it.
 */
export interface TokenRelayContext {
  readonly tokenRelay?: false | undefined;
}

export const optedOut = (context: Readonly<Record<string, unknown>> | undefined): boolean =>
  (context as TokenRelayContext | undefined)?.tokenRelay === false;

const absoluteUrl = (value: string | URL | undefined, base?: string): URL | undefined => {
  if (value === undefined || value === '') return undefined;
  try {
    return new URL(value, base);
  } catch {
    return undefined;
  }
};

/**
 * The base URL of a client's options: an absolute `prefix` wins (ky then bypasses `baseUrl`), else `baseUrl`.
 */
export function clientBaseUrl(options: Pick<Options, 'prefix' | 'baseUrl'>): URL | undefined {
  return absoluteUrl(options.prefix) ?? absoluteUrl(options.baseUrl, pageUrl());
}
