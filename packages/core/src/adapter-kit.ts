/**
 * `@tokenrelay/core/adapter-kit`: what every adapter needs and must decide the same way: which origins get the
 * token (fixed when the adapter is attached), which responses mean "refresh and replay", how the header is written
 * and checked, which headers a hop to another origin drops, whether a body survives its first send, the replay-once
 * mark, and how the client's errors are made safe to log. Adapters call these; they do not re-implement them.
 * Applications need none of it: the root export is theirs.
 */
import { assertHeaderSafe } from './adapter-kit-headers.ts';
import { createOriginPolicy, type OriginPolicy, type OriginsOption } from './adapter-kit-origins.ts';
import { ConfigurationError, isTokenRelayError, type WaitTimeoutError } from './errors.ts';
import type { AccessToken, TokenManager } from './types.ts';

export {
  assertHeaderSafe,
  CREDENTIAL_HEADERS,
  deleteHeaders,
  headersToDrop,
} from './adapter-kit-headers.ts';
export {
  createOriginPolicy,
  type OriginPolicy,
  type OriginsOption,
  originOf,
} from './adapter-kit-origins.ts';
export { REDACTED, redactError } from './adapter-kit-redact.ts';
export {
  discard,
  type FetchLike,
  followRedirects,
  type Hop,
  isRedirect,
  type RedirectContext,
  type Sent,
} from './adapter-kit-redirects.ts';
export { isConsumedByFirstSend, isRequest, pageUrl, SentToken } from './adapter-kit-request.ts';
export { getAccessTokenWithin, refreshWithin, timeLeft } from './request-limit.ts';

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

/**
 * The value of the Authorization header for a token, e.g. `Bearer abc`. Throws a `ConfigurationError` (without the
 * token) when the value could not be sent as a header as it is.
 */
export function authorizationValue(token: AccessToken, scheme?: string): string {
  const type = scheme ?? (token.type.toLowerCase() === 'bearer' ? 'Bearer' : token.type);
  const value = `${type} ${token.token}`;
  assertHeaderSafe(value);
  return value;
}

/**
 * The manager of a request: one `TokenManager` for every request, or a resolver that picks one per request (one
 * per user, say: `(config) => pool.get(config.userId)`). `R` is what the client calls a request.
 */
export type ManagerSource<R> = TokenManager | ((request: R) => TokenManager);

/** The manager for `request`. A resolver that returns no manager is a `ConfigurationError`. */
export function managerFor<R>(source: ManagerSource<R>, request: R): TokenManager {
  if (typeof source !== 'function') return source;
  const manager = source(request);
  if (typeof manager !== 'object' || manager === null || typeof manager.getAccessToken !== 'function') {
    throw new ConfigurationError('The manager resolver returned no TokenManager for this request');
  }
  return manager;
}

/**
 * The manager's token when it is fresh, at once (`peekAccessToken`), for an adapter's hot path; `undefined` when the
 * request must wait for it (in the adapter's own bounded way), and always when the request's signal has aborted
 * (the wait then rejects).
 */
export function freshToken(
  manager: TokenManager,
  signal?: { readonly aborted: boolean } | undefined,
): AccessToken | undefined {
  if (signal?.aborted === true) return undefined;
  // Optional at run time: a resolver written in JavaScript may hand over a manager-like object without it.
  return manager.peekAccessToken?.();
}

/**
 * The token for a request: `freshToken` at once, without a promise, or else the promise (a native `Promise`) of
 * `getAccessToken({ signal })`, which waits, refreshes or rejects as the manager decides.
 */
export function tokenFor(
  manager: TokenManager,
  signal?: AbortSignal | undefined,
): AccessToken | Promise<AccessToken> {
  return (
    freshToken(manager, signal) ??
    // A native promise whatever the manager returned, so that adapters can tell the two answers apart.
    Promise.resolve(manager.getAccessToken(signal === undefined ? undefined : { signal }))
  );
}

/**
 * Whether `error` says that the request's own `timeoutMs` (what an adapter passed for the client's timeout) ran out
 * while it waited for a token: the adapter then reports it as that client's timeout error, this one as its cause.
 * The manager's own `queue.waitTimeoutMs` is not the client's timeout: that error goes to the caller as it is.
 */
export function isRequestTimeout(error: unknown): error is WaitTimeoutError {
  return isTokenRelayError(error, 'WAIT_TIMEOUT') && (error as WaitTimeoutError).limit === 'request';
}

/** Options every adapter takes, in its own client's vocabulary for the request and response types. */
export interface CommonAdapterOptions {
  /** Origins that get the token. Default: the client's base URL origin when attached; required when it has none. */
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
  /**
   * `shouldRefresh` for a response with `status`, reading its `WWW-Authenticate` header (through `header(source)`)
   * only when the rule needs it: the default rule needs it only for a 401.
   */
  wantsRefresh<T>(status: number, source: T, header: (source: T) => string | null | undefined): boolean;
  /** The header that carries the token, as given (default `Authorization`). */
  readonly headerName: string;
  /** The header value for a token: the scheme (option, else the token's type) and the token; checked for safety. */
  headerValue(token: AccessToken): string;
  /**
   * The origin policy of one attachment: the `origins` option when given; otherwise the origin of `base`, the
   * client's base URL at the moment the adapter is attached (never a request's own base URL). No origins and no
   * base: a `ConfigurationError`. Call it once per attachment and keep the result.
   */
  policyFor(base?: string | URL): OriginPolicy;
}

export function adapterSettings(options: CommonAdapterOptions): AdapterSettings {
  const fixed = options.origins === undefined ? undefined : createOriginPolicy(options.origins);
  const headerName = options.headerName ?? 'Authorization';
  try {
    new Headers().set(headerName, 'x');
  } catch (cause) {
    throw new ConfigurationError('`headerName` is not a valid header name', { cause });
  }
  const { scheme } = options;
  // The value for the last token seen: the manager hands out one frozen object per token, so a steady stream of
  // requests builds and checks the header once.
  let last: { readonly token: AccessToken; readonly value: string } | undefined;
  const shouldRefresh = options.shouldRefresh ?? defaultShouldRefresh;
  return {
    shouldRefresh,
    wantsRefresh: (status, source, header) =>
      shouldRefresh === defaultShouldRefresh && status !== 401
        ? false
        : shouldRefresh({ status, wwwAuthenticate: header(source) }),
    headerName,
    headerValue: (token) => {
      if (last?.token === token) return last.value;
      const value = authorizationValue(token, scheme);
      if (Object.isFrozen(token)) last = { token, value };
      return value;
    },
    policyFor: (base) => fixed ?? createOriginPolicy(undefined, base),
  };
}
