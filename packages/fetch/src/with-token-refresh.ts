/**
 * `withTokenRefresh(fetch, manager, options)`: a fetch that puts the manager's token on requests to the allowed
 * origins, refreshes on a 401 and replays the request once. Decisions (origins, when to refresh, the header
 * value) come from the core's adapter kit; this file only translates them to fetch.
 */
import { type AccessToken, ConfigurationError, type TokenManager } from '@tokenrelay/core';
import {
  type AdapterSettings,
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
  readonly wantsRefresh: AdapterSettings['wantsRefresh'];
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
    wantsRefresh: common.wantsRefresh,
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

/** One call through the wrapper: what each pass (the first send, a redirect hop, the replay) needs. */
interface Call {
  readonly s: Settings;
  readonly input: RequestInfo | URL;
  readonly init: TokenRefreshRequestInit | undefined;
  /** `init` without the switch. */
  readonly plain: RequestInit;
  readonly request: Request | undefined;
  /** The URL the policy allowed. */
  readonly target: string | URL;
  /** A URL object of our own, made only when a `skip` rule, a resolver or a redirect needs one. */
  url: URL | undefined;
  /** The caller's headers as they were at the call (the replay sends these too). */
  readonly headers: Headers | undefined;
  readonly method: string;
  readonly redirect: RequestRedirect;
  /** Redirects are followed here (the wrapped fetch gets `redirect: 'manual'`). */
  readonly follow: boolean;
  readonly replay: BodyReplay | undefined;
}

/** `init` for a call without one: never modified. */
const NO_INIT: RequestInit = Object.freeze({});

async function fetchWithToken(
  s: Settings,
  input: RequestInfo | URL,
  init: TokenRefreshRequestInit | undefined,
): Promise<Response> {
  const plain: RequestInit = init === undefined ? NO_INIT : withoutSwitch(init);
  const request = isRequest(input) ? input : undefined;
  if (init?.tokenRelay === false) return untouched(s, input, init, plain);
  const target = targetOf(request === undefined ? (input as string | URL) : request.url);
  if (target === undefined || !s.isAllowed(target)) return untouched(s, input, init, plain);
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
  const call: Call = {
    s,
    input,
    init,
    plain,
    request,
    target,
    url,
    headers,
    method,
    redirect,
    follow,
    replay,
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
  const first = await send(call, token, true);
  const { response } = first;
  if (!first.carriedToken || !s.wantsRefresh(response.status, response, wwwAuthenticateOf)) return response;
  discard(response);
  let fresh: AccessToken;
  try {
    fresh = await manager.refresh({ failedToken: token.token, signal });
  } catch (error) {
    throw abortedOr(signal, error);
  }
  // A second 401 is returned as it is: one replay, never a loop.
  return (await send(call, fresh, false)).response;
}

const wwwAuthenticateOf = (response: Response): string | null => response.headers.get('www-authenticate');

/** What fetch is given for one pass: the caller's init with the token header, redirects handled here. */
function initFor(call: Call, headerValue: string): RequestInit & { headers: Headers } {
  const headers = new Headers(call.headers);
  headers.set(call.s.headerName, headerValue);
  const redirect = call.follow ? 'manual' : call.redirect;
  return call.init === undefined ? { headers, redirect } : { ...call.plain, headers, redirect };
}

/** Where a pass's response came from: the allowed target, unless a redirect took it (or fetch followed one) elsewhere. */
function settle(call: Call, token: AccessToken, response: Response, sent: Headers): Sent | Promise<Sent> {
  const { s } = call;
  if (!call.follow) return { response, carriedToken: !response.redirected || s.isAllowed(response.url) };
  // Not redirected: it went to `target`, which the policy allowed.
  if (!isRedirect(response)) return { response, carriedToken: true };
  call.url ??= new URL(call.target);
  return followRedirects(
    response,
    { url: call.url, method: call.method, headers: sent, withBody: true },
    redirectContext(call, s.headerValue(token)),
  );
}

/** One pass: the token header on, the body replayed when the call has one; the token never in an error. */
async function send(call: Call, token: AccessToken, first: boolean): Promise<Sent> {
  const { replay, request } = call;
  const init = initFor(call, call.s.headerValue(token));
  if (replay !== undefined) init.body = first ? replay.first() : await replay.again();
  let response: Response;
  try {
    response = await call.s.fetch(request === undefined ? call.input : request.clone(), init);
  } catch (error) {
    throw redactError(error, [token.token]);
  }
  return settle(call, token, response, init.headers);
}

/** What the redirect hops need; built only when a response is a redirect. */
function redirectContext(call: Call, headerValue: string): RedirectContext {
  const { s, request, replay } = call;
  const { method: _method, headers: _headers, body: _body, redirect: _redirect, ...kept } = call.plain;
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
}
