import type { CommonAdapterOptions, ManagerSource, OriginsOption } from '@tokenrelay/core/adapter-kit';

/** Any fetch-compatible function: the global `fetch`, undici's, a test double, another wrapper. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/**
 * `RequestInit` plus the per-request switch of the wrapper. The wrapper removes `tokenRelay` before it calls the
 * wrapped fetch, so that fetch never sees it.
 */
export interface TokenRefreshRequestInit extends RequestInit {
  /**
   * `false` sends this request exactly as given: no token, no refresh, no replay, redirects left to fetch.
   * Use it for public endpoints, or to send an Authorization header of your own. (The same name as in the axios,
   * got and ky adapters.)
   */
  readonly tokenRelay?: false | undefined;
  /**
   * Required by fetch with a `ReadableStream` body (`'half'`: the request is sent before the response is
   * read). Declared here because TypeScript's DOM `RequestInit` lacks it; passed on to the wrapped fetch.
   */
  readonly duplex?: 'half' | undefined;
}

/**
 * What `withTokenRefresh` returns: a fetch-compatible function (it can be passed wherever a `FetchLike` is
 * expected) that also accepts `tokenRelay: false` in `init`.
 */
export type TokenRefreshFetch = (
  input: RequestInfo | URL,
  init?: TokenRefreshRequestInit,
) => Promise<Response>;

/** What the `skip` option sees of a request (read-only: a copy of the caller's headers). */
export interface FetchRequestInfo {
  /** The absolute URL. */
  readonly url: URL;
  /** Upper-case for the standard methods, as fetch normalizes them. */
  readonly method: string;
  readonly headers: Headers;
}

/**
 * The manager of each request: one `TokenManager`, or a resolver called with the request's URL, method and
 * headers, e.g. `({ headers }) => pool.get(headers.get('x-user') ?? '')`.
 */
export type FetchManagerSource = ManagerSource<FetchRequestInfo>;

/** Who follows the redirects of a request that carries the token. */
export type RedirectHandling = 'wrapper' | 'fetch';

export interface FetchTokenRefreshOptions extends CommonAdapterOptions {
  /**
   * Origins that get the token (exact scheme, host and port), or `'*'` for any origin, said on purpose.
   * Required: fetch has no base URL to default to. Requests to other origins are sent untouched.
   */
  readonly origins: OriginsOption;
  /** Per-request opt-out by rule: `true` sends the request untouched (no token, no refresh, no replay). */
  readonly skip?: ((request: FetchRequestInfo) => boolean) | undefined;
  /**
   * Most bytes of a `ReadableStream` request body kept in memory so that the request can be replayed after a
   * refresh (or re-sent on a 307/308 redirect). Default 1 MiB. A larger stream is still sent, without a copy;
   * a 401 on it then refreshes the token and rejects with `NotReplayableError`. `0` never keeps a copy.
   */
  readonly replayBufferBytes?: number | undefined;
  /**
   * `'wrapper'` (default): a token-carrying request with `redirect: 'follow'` is sent with `redirect: 'manual'`
   * and its redirects are followed here; the token goes only to hops whose origin is in `origins`, and the
   * Authorization header is dropped whenever a hop changes origin. Needs a fetch that exposes redirect
   * responses (Node, Deno, Bun, workers; not browsers, which answer `manual` with an opaque response).
   * `'fetch'`: the wrapped fetch follows redirects itself; pick it in browsers, which drop `Authorization`,
   * `Proxy-Authorization` and `Cookie` on cross-origin redirects. They forward any other header, so with a custom
   * `headerName` a request that fetch would follow (`redirect: 'follow'`) is refused with a `ConfigurationError`
   * before anything is sent: give such requests `redirect: 'manual'` or `'error'`.
   */
  readonly redirects?: RedirectHandling | undefined;
}
