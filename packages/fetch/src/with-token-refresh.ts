/**
 * `withTokenRefresh(fetch, manager, options)`: a fetch that puts the manager's token on requests to the allowed
 * origins, refreshes on a 401 and replays the request once. Decisions (origins, when to refresh, the header
 * value) come from the core's adapter kit; this file only translates them to fetch.
 */
import { type AccessToken, ConfigurationError, type TokenManager } from '@tokenrelay/core';
import {
  adapterSettings,
  CREDENTIAL_HEADERS,
  discard,
  followRedirects,
  isRedirect,
  isRequest,
  managerFor,
  type OriginPolicy,
  pageUrl,
  type RedirectContext,
  redactError,
  type Sent,
  type ShouldRefresh,
  tokenFor,
} from '@tokenrelay/core/adapter-kit';
import { type BodyReplay, bodyReplay, DEFAULT_REPLAY_BUFFER_BYTES } from './body.ts';
import type {
  FetchLike,
  FetchManagerSource,
  FetchRequestInfo,
  FetchTokenRefreshOptions,
  TokenRefreshFetch,
  TokenRefreshRequestInit,
} from './types.ts';

interface Settings {
  readonly fetch: FetchLike;
  readonly manager: FetchManagerSource;
  readonly isAllowed: OriginPolicy;
  readonly shouldRefresh: ShouldRefresh;
  readonly headerName: string;
  readonly headerValue: (token: AccessToken) => string;
  readonly skip: ((request: FetchRequestInfo) => boolean) | undefined;
  readonly replayBufferBytes: number;
  readonly followRedirects: boolean;
  /** A custom header name fetch would forward on a redirect to another origin. */
  readonly headerFollowsRedirects: boolean;
}

/** Methods fetch upper-cases; any other method keeps its case (as `patch` does in fetch). */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

const normalizeMethod = (method: string): string => {
  if (NORMALIZED_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
};

/** `init` without the wrapper's own switch, which the wrapped fetch never sees. */
const withoutSwitch = ({ tokenRelay: _switch, ...plain }: TokenRefreshRequestInit): RequestInit => plain;

/**
 * The URL fetch will use, for the origin policy; `undefined` when fetch could not use it. Relative URLs resolve
 * against the page, as fetch does in a browser. Elsewhere the input is handed on as it is: the policy refuses a
 * string that does not parse (and remembers its answer per origin, so a steady stream of requests parses none).
 */
function targetOf(input: string | URL): string | URL | undefined {
  const base = pageUrl();
  if (base === undefined) return input;
  try {
    return new URL(input, base);
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

/** The request as given, for the wrapped fetch to send: `init` without the `tokenRefresh` switch. */
const untouched = (
  s: Settings,
  input: RequestInfo | URL,
  init: TokenRefreshRequestInit | undefined,
  plain: RequestInit,
): Promise<Response> => (init === undefined ? s.fetch(input) : s.fetch(input, plain));

/** The error to reject with: the signal's reason, as fetch does, when it aborted while the manager was waited for. */
const abortedOr = (signal: AbortSignal | undefined, error: unknown): unknown =>
  signal?.aborted ? signal.reason : error;

function settingsOf(
  fetch: FetchLike,
  manager: FetchManagerSource,
  options: FetchTokenRefreshOptions,
): Settings {
  if (typeof fetch !== 'function') throw new ConfigurationError('withTokenRefresh needs a fetch function');
  if (options?.origins === undefined) {
    throw new ConfigurationError(
      'withTokenRefresh needs `origins`: fetch has no base URL, so say which origins get the token ("*" only on purpose)',
    );
  }
  const common = adapterSettings(options);
  const replayBufferBytes = options.replayBufferBytes ?? DEFAULT_REPLAY_BUFFER_BYTES;
  if (!Number.isSafeInteger(replayBufferBytes) || replayBufferBytes < 0) {
    throw new ConfigurationError('`replayBufferBytes` must be a whole number of bytes, 0 or more');
  }
  const redirects = options.redirects ?? 'wrapper';
  if (redirects !== 'wrapper' && redirects !== 'fetch') {
    throw new ConfigurationError("`redirects` must be 'wrapper' or 'fetch'");
  }
  return {
    // Called as a plain function, never as a method of this object: a browser's `window.fetch` throws "Illegal
    // invocation" when its receiver is anything but the window (or undefined).
    fetch: (input, init) => (init === undefined ? fetch(input) : fetch(input, init)),
    manager,
    isAllowed: common.policyFor(),
    shouldRefresh: common.shouldRefresh,
    headerName: common.headerName,
    headerValue: common.headerValue,
    skip: options.skip,
    replayBufferBytes,
    followRedirects: redirects === 'wrapper',
    headerFollowsRedirects: !CREDENTIAL_HEADERS.includes(common.headerName.toLowerCase()),
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
  manager: FetchManagerSource,
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
  const plain: RequestInit = init === undefined ? {} : withoutSwitch(init);
  const request = isRequest(input) ? input : undefined;
  if (init?.tokenRelay === false) return untouched(s, input, init, plain);
  const target = targetOf(request === undefined ? (input as string | URL) : request.url);
  if (target === undefined || !s.isAllowed(target)) return untouched(s, input, init, plain);
  // A URL object of our own, made only when a `skip` rule or a redirect needs one.
  let url: URL | undefined;
  // The caller's headers as they are now (they may be an iterator, or change later): the replay sends these too.
  const given = plain.headers ?? request?.headers;
  const headers = given === undefined ? undefined : new Headers(given);
  const method = normalizeMethod(plain.method ?? request?.method ?? 'GET');
  if (s.skip !== undefined) {
    url = new URL(target);
    if (s.skip({ url, method, headers: new Headers(headers) })) return untouched(s, input, init, plain);
  }
  let manager: TokenManager;
  if (typeof s.manager === 'function') {
    url ??= new URL(target);
    manager = managerFor(s.manager, { url, method, headers: new Headers(headers) });
  } else manager = s.manager;

  const signal = plain.signal === undefined ? request?.signal : (plain.signal ?? undefined);
  signal?.throwIfAborted();
  const redirect = plain.redirect ?? request?.redirect ?? 'follow';
  const follow = s.followRedirects && redirect === 'follow';
  // The wrapped fetch would forward a custom header to wherever a redirect leads: refused before anything is sent.
  if (!follow && redirect === 'follow' && s.headerFollowsRedirects) {
    throw new ConfigurationError(
      "With `redirects: 'fetch'`, fetch forwards a custom `headerName` on a redirect to another origin: give these requests `redirect: 'manual'` or `redirect: 'error'`",
    );
  }
  // init.body wins over a Request's body, as in fetch; a Request's body is replayed through `Request.clone()`.
  const replay: BodyReplay | undefined =
    plain.body === undefined || plain.body === null ? undefined : bodyReplay(plain.body, s.replayBufferBytes);
  /** What the redirect hops need; built only when a response is a redirect. */
  const redirectContext = (headerValue: string): RedirectContext => {
    const { method: _method, headers: _headers, body: _body, redirect: _redirect, ...kept } = plain;
    return {
      fetch: s.fetch,
      isAllowed: s.isAllowed,
      headerName: s.headerName,
      headerValue,
      carry: { ...(request === undefined ? {} : requestSettings(request)), ...kept },
      body: async () => {
        if (replay !== undefined) return replay.again();
        return request?.body ? request.clone().arrayBuffer() : undefined;
      },
      opaqueHint: "pass `redirects: 'fetch'`",
    };
  };

  const send = async (token: AccessToken, first: boolean): Promise<Sent> => {
    const headerValue = s.headerValue(token);
    const tokenHeaders = new Headers(headers);
    tokenHeaders.set(s.headerName, headerValue);
    const sendInit: RequestInit = { ...plain, headers: tokenHeaders, redirect: follow ? 'manual' : redirect };
    if (replay !== undefined) sendInit.body = first ? replay.first() : await replay.again();
    let response: Response;
    try {
      response = await s.fetch(request === undefined ? input : request.clone(), sendInit);
    } catch (error) {
      throw redactError(error, [token.token]);
    }
    if (!follow) {
      return { response, carriedToken: !response.redirected || s.isAllowed(response.url) };
    }
    // Not redirected: it went to `target`, which the policy allowed above.
    if (!isRedirect(response)) return { response, carriedToken: true };
    url ??= new URL(target);
    return followRedirects(
      response,
      { url, method, headers: tokenHeaders, withBody: true },
      redirectContext(headerValue),
    );
  };

  const pending = tokenFor(manager, signal);
  let token: AccessToken;
  if (pending instanceof Promise) {
    try {
      token = await pending;
    } catch (error) {
      throw abortedOr(signal, error);
    }
  } else token = pending;
  const first = await send(token, true);
  const { response } = first;
  const wwwAuthenticate = response.headers.get('www-authenticate');
  if (!first.carriedToken || !s.shouldRefresh({ status: response.status, wwwAuthenticate })) return response;
  discard(response);
  let fresh: AccessToken;
  try {
    fresh = await manager.refresh({ failedToken: token.token, signal });
  } catch (error) {
    throw abortedOr(signal, error);
  }
  // A second 401 is returned as it is: one replay, never a loop.
  return (await send(fresh, false)).response;
}
