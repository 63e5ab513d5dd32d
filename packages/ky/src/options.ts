/**
 * The options of `tokenRefresh()`, the per-request switch, and where the token may go when `origins` is not given.
 */
import type { CommonAdapterOptions, OriginPolicy } from '@tokenrelay/core';
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

/** Most base URLs whose policy one `tokenRefresh()` remembers; arbitrary base URLs cannot grow it further. */
const MAX_REMEMBERED_BASES = 64;

/**
 * The origin policy of a request's base URL (see `clientBaseUrl`), remembered per `prefix`, `baseUrl` and page as
 * given, so that a client's base URL is not parsed again on every call. `policyFor` is the settings' own (which
 * ignores the base URL when `origins` was given); when it throws, nothing is remembered and the next call throws
 * the same way.
 */
export function basePolicies(
  policyFor: (fallback?: URL) => OriginPolicy,
): (options: Pick<NormalizedOptions, 'prefix' | 'baseUrl'>) => OriginPolicy {
  const known = new Map<string, OriginPolicy>();
  return (options) => {
    const prefix = options.prefix === undefined ? '' : String(options.prefix);
    const base = options.baseUrl === undefined ? '' : String(options.baseUrl);
    // Lengths first, so that no two different triples make the same key.
    const key = `${prefix.length}:${prefix}${base.length}:${base}${pageUrl() ?? ''}`;
    let policy = known.get(key);
    if (policy === undefined) {
      policy = policyFor(clientBaseUrl(options));
      if (known.size < MAX_REMEMBERED_BASES) known.set(key, policy);
    }
    return policy;
  };
}
