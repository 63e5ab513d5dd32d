/**
 * What every adapter needs and must decide the same way: which origins get the token, which responses mean
 * "refresh and replay", and how the header is written. Adapters call these; they do not re-implement them.
 */
import { ConfigurationError } from './errors.ts';
import type { AccessToken } from './types.ts';

/** Origins that get the token: `'*'` (any, must be said explicitly), or a list of origins or URLs. */
export type OriginsOption = '*' | string | URL | readonly (string | URL)[];

/** Whether a request URL may carry the token. Origins compare exactly: scheme, host and port. */
export type OriginPolicy = (url: string | URL) => boolean;

const toOrigin = (value: string | URL): string => {
  try {
    const origin = new URL(value).origin;
    if (origin === 'null') throw new TypeError('opaque origin');
    return origin;
  } catch (cause) {
    throw new ConfigurationError('An entry of `origins` is not an absolute http(s) URL or origin', { cause });
  }
};

/**
 * Builds the origin policy. `origins` wins; otherwise `fallback` (the client's own base URL); with neither, a
 * `ConfigurationError` (a token must never go everywhere by default).
 */
export function createOriginPolicy(
  origins: OriginsOption | undefined,
  fallback?: string | URL,
): OriginPolicy {
  if (origins === '*') return () => true;
  const list = origins === undefined ? (fallback === undefined ? [] : [fallback]) : [origins].flat();
  if (list.length === 0) {
    throw new ConfigurationError(
      'No origins to send the token to: pass `origins` (or give the client a base URL); use "*" only on purpose',
    );
  }
  const allowed = new Set(list.map(toOrigin));
  const decide = (url: string | URL): boolean => {
    try {
      return allowed.has(new URL(url).origin);
    } catch {
      return false;
    }
  };
  // Decisions remembered per `scheme://authority` prefix of a string URL: a URL's origin depends only on the text
  // before the first `/`, `?` or `#` after `//`, so the same prefix always gets the same answer. Saves a URL parse
  // per request; bounded, so arbitrary URLs cannot grow it.
  const known = new Map<string, boolean>();
  return (url) => {
    if (typeof url !== 'string') return decide(url);
    const prefix = AUTHORITY_PREFIX.exec(url)?.[0];
    if (prefix === undefined) return decide(url);
    let answer = known.get(prefix);
    if (answer === undefined) {
      answer = decide(url);
      if (known.size < MAX_REMEMBERED_PREFIXES) known.set(prefix, answer);
    }
    return answer;
  };
}

const AUTHORITY_PREFIX = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/;
const MAX_REMEMBERED_PREFIXES = 256;

/** A response as adapters see it, whatever the client. */
export interface ResponseInfo {
  readonly status: number;
  /** The `WWW-Authenticate` header, if any. */
  readonly wwwAuthenticate?: string | null | undefined;
}

/** Decides whether a response should start a refresh and a replay. */
export type ShouldRefresh = (response: ResponseInfo) => boolean;

/**
 * The default: a 401, unless the server says the token is fine but lacks scope (`insufficient_scope`), which a new
 * token of the same grant cannot fix.
 */
export const defaultShouldRefresh: ShouldRefresh = (response) =>
  response.status === 401 && !/error\s*=\s*"?insufficient_scope"?/i.test(response.wwwAuthenticate ?? '');

/** The value of the Authorization header for a token, e.g. `Bearer abc`. */
export function authorizationValue(token: AccessToken, scheme?: string): string {
  const type = scheme ?? (token.type.toLowerCase() === 'bearer' ? 'Bearer' : token.type);
  return `${type} ${token.token}`;
}

/** Options every adapter takes, in its own client's vocabulary for the request and response types. */
export interface CommonAdapterOptions {
  /** Origins that get the token. Default: the client's base URL origin; required when the client has none. */
  readonly origins?: OriginsOption | undefined;
  /** Which responses start a refresh and a replay. Default: 401 except `insufficient_scope`. */
  readonly shouldRefresh?: ShouldRefresh | undefined;
  /** Header to put the token in. Default `Authorization`. */
  readonly headerName?: string | undefined;
  /** Scheme before the token. Default: the token's type (`Bearer`). */
  readonly scheme?: string | undefined;
}

/** The common options resolved once, the same way for every adapter. */
export interface AdapterSettings {
  readonly shouldRefresh: ShouldRefresh;
  /** The header that carries the token, as given (default `Authorization`). */
  readonly headerName: string;
  /** The header value for a token: the scheme (option, else the token's type) and the token. */
  headerValue(token: AccessToken): string;
  /**
   * The origin policy: the `origins` option when given (checked when the settings are made); otherwise the origin
   * of `fallback`, the client's base URL, which may differ per request. No origins and no fallback: a
   * `ConfigurationError`.
   */
  policyFor(fallback?: string | URL): OriginPolicy;
}

export function adapterSettings(options: CommonAdapterOptions): AdapterSettings {
  const fixed = options.origins === undefined ? undefined : createOriginPolicy(options.origins);
  const headerName = options.headerName ?? 'Authorization';
  try {
    new Headers().set(headerName, 'x');
  } catch (cause) {
    throw new ConfigurationError('`headerName` is not a valid header name', { cause });
  }
  const byFallback = new Map<string, OriginPolicy>();
  const { scheme } = options;
  return {
    shouldRefresh: options.shouldRefresh ?? defaultShouldRefresh,
    headerName,
    headerValue: (token) => authorizationValue(token, scheme),
    policyFor(fallback) {
      if (fixed !== undefined) return fixed;
      const key = fallback === undefined ? '' : String(fallback);
      let policy = byFallback.get(key);
      if (policy === undefined) {
        policy = createOriginPolicy(undefined, fallback);
        if (byFallback.size < 64) byFallback.set(key, policy);
      }
      return policy;
    },
  };
}
