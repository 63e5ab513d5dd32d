/**
 * `withTokenRefresh(fetch, manager, options)`: a fetch that puts the manager's token on requests to the allowed
 * origins, refreshes on a 401 and replays the request once. Decisions (origins, when to refresh, the header
 * value) come from the core's adapter kit; this file only translates them to fetch.
 */
import {
  type AccessToken,
  authorizationValue,
  ConfigurationError,
  createOriginPolicy,
  defaultShouldRefresh,
  type OriginPolicy,
  type ShouldRefresh,
  type TokenManager,
} from '@tokenrelay/core';
import { type BodyReplay, bodyReplay, DEFAULT_REPLAY_BUFFER_BYTES } from './body.ts';
import { discard, followRedirects, type Sent } from './redirect.ts';
import type {
  FetchLike,
  FetchRequestInfo,
  FetchTokenRefreshOptions,
  TokenRefreshFetch,
  TokenRefreshRequestInit,
} from './types.ts';

interface Settings {
  readonly fetch: FetchLike;
  readonly manager: TokenManager;
  readonly isAllowed: OriginPolicy;
  readonly shouldRefresh: ShouldRefresh;
  readonly headerName: string;
  readonly scheme: string | undefined;
  readonly skip: ((request: FetchRequestInfo) => boolean) | undefined;
  readonly replayBufferBytes: number;
  readonly followRedirects: boolean;
}

/** Methods fetch upper-cases; any other method keeps its case (as `patch` does in fetch). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

const normalizeMethod = (method: string): string => {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
};

const isRequest = (input: RequestInfo | URL): input is Request =>
  input instanceof Request || Object.prototype.toString.call(input) === '[object Request]';

/** The absolute URL fetch will use: relative URLs resolve against the page, as fetch does in a browser. */
function absoluteUrl(input: string | URL): URL | undefined {
  const base = (globalThis as { location?: { href?: unknown } }).location?.href;
  try {
    return new URL(input, typeof base === 'string' ? base : undefined);
  } catch {
    return undefined;
  }
}

/** The Request's own settings that its redirect hops keep (what a hop built from a URL would otherwise lose). */
const requestSettings = (request: Request): RequestInit => ({
  signal: request.signal,
  credentials: request.credentials,
  cache: request.cache,
  keepalive: request.keepalive,
  referrerPolicy: request.referrerPolicy,
  integrity: request.integrity,
  ...(request.mode === 'navigate' ? {} : { mode: request.mode }),
});

/** Rejects with the signal's reason, as fetch does, when the signal aborted while the manager was waited for. */
async function whileNotAborted<T>(signal: AbortSignal | undefined, promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}

function settingsOf(fetch: FetchLike, manager: TokenManager, options: FetchTokenRefreshOptions): Settings {
  if (typeof fetch !== 'function') throw new ConfigurationError('withTokenRefresh needs a fetch function');
  if (options?.origins === undefined) {
    throw new ConfigurationError(
      'withTokenRefresh needs `origins`: fetch has no base URL, so say which origins get the token ("*" only on purpose)',
    );
  }
  const headerName = options.headerName ?? 'Authorization';
  try {
    new Headers().set(headerName, 'x');
  } catch (cause) {
    throw new ConfigurationError('`headerName` is not a valid header name', { cause });
  }
  const replayBufferBytes = options.replayBufferBytes ?? DEFAULT_REPLAY_BUFFER_BYTES;
  if (!Number.isSafeInteger(replayBufferBytes) || replayBufferBytes < 0) {
    throw new ConfigurationError('`replayBufferBytes` must be a whole number of bytes, 0 or more');
  }
  const redirects = options.redirects ?? 'wrapper';
  if (redirects !== 'wrapper' && redirects !== 'fetch') {
    throw new ConfigurationError("`redirects` must be 'wrapper' or 'fetch'");
  }
  return {
    fetch,
    manager,
    isAllowed: createOriginPolicy(options.origins),
    shouldRefresh: options.shouldRefresh ?? defaultShouldRefresh,
    headerName,
    scheme: options.scheme,
    skip: options.skip,
    replayBufferBytes,
    followRedirects: redirects === 'wrapper',
  };
}

/**
 * Wraps `fetch` so that requests to `options.origins` carry the manager's access token, and a request that gets
 * a 401 (per `shouldRefresh`) is replayed once after a refresh. The caller's `Request`, `Headers` and init are
 * never modified. Token errors (`ReauthRequiredError`, ...) reject the call as they are; an abort rejects with
 * the signal's reason.
 */
export function withTokenRefresh(
  fetch: FetchLike,
  manager: TokenManager,
  options: FetchTokenRefreshOptions,
): TokenRefreshFetch {
  const settings = settingsOf(fetch, manager, options);
  return (input, init) => fetchWithToken(settings, input, init);
}

async function fetchWithToken(
  s: Settings,
  input: RequestInfo | URL,
  init: TokenRefreshRequestInit | undefined,
): Promise<Response> {
  const { tokenRefresh, ...plain } = init ?? {};
  const request = isRequest(input) ? input : undefined;
  const untouched = (): Promise<Response> => (init === undefined ? s.fetch(input) : s.fetch(input, plain));
  if (tokenRefresh === false) return untouched();
  const url = absoluteUrl(request === undefined ? (input as string | URL) : request.url);
  if (url === undefined || !s.isAllowed(url)) return untouched();
  const headers = new Headers(plain.headers ?? request?.headers);
  const method = normalizeMethod(plain.method ?? request?.method ?? 'GET');
  if (s.skip?.({ url, method, headers: new Headers(headers) })) return untouched();

  const signal = plain.signal === undefined ? request?.signal : (plain.signal ?? undefined);
  signal?.throwIfAborted();
  const redirect = plain.redirect ?? request?.redirect ?? 'follow';
  const follow = s.followRedirects && redirect === 'follow';
  // init.body wins over a Request's body, as in fetch; a Request's body is replayed through `Request.clone()`.
  const replay: BodyReplay | undefined =
    plain.body === undefined || plain.body === null ? undefined : bodyReplay(plain.body, s.replayBufferBytes);
  const { method: _method, headers: _headers, body: _body, redirect: _redirect, ...kept } = plain;
  const carry: RequestInit = { ...(request === undefined ? {} : requestSettings(request)), ...kept };
  const hopBody = async (): Promise<BodyInit | undefined> => {
    if (replay !== undefined) return replay.again();
    return request?.body ? request.clone().arrayBuffer() : undefined;
  };

  const send = async (token: AccessToken, first: boolean): Promise<Sent> => {
    const headerValue = authorizationValue(token, s.scheme);
    const tokenHeaders = new Headers(headers);
    tokenHeaders.set(s.headerName, headerValue);
    const body = replay === undefined ? {} : { body: first ? replay.first() : await replay.again() };
    const response = await s.fetch(request === undefined ? input : request.clone(), {
      ...plain,
      ...body,
      headers: tokenHeaders,
      redirect: follow ? 'manual' : redirect,
    });
    if (!follow) {
      return { response, carriedToken: !response.redirected || s.isAllowed(response.url) };
    }
    return followRedirects(
      response,
      { url, method, headers: tokenHeaders, withBody: true },
      { fetch: s.fetch, isAllowed: s.isAllowed, headerName: s.headerName, headerValue, carry, body: hopBody },
    );
  };

  const token = await whileNotAborted(signal, s.manager.getAccessToken({ signal }));
  const first = await send(token, true);
  const { response } = first;
  const wwwAuthenticate = response.headers.get('www-authenticate');
  if (!first.carriedToken || !s.shouldRefresh({ status: response.status, wwwAuthenticate })) return response;
  discard(response);
  const fresh = await whileNotAborted(signal, s.manager.refresh({ failedToken: token.token, signal }));
  // A second 401 is returned as it is: one replay, never a loop.
  return (await send(fresh, false)).response;
}
