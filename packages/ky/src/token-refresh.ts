/**
 * `tokenRefresh(manager)`: ky hooks that put the manager's token on requests to allowed origins and, on a 401,
 * refresh once and replay once with ky's own forced retry (`ky.retry()` from `afterResponse`). Every decision
 * (freshness, whether a 401 is stale, what an error means, which origins, which responses) is the core's; this
 * file only translates.
 */
import type { AccessToken, TokenManager } from '@tokenrelay/core';
import { ConfigurationError, NotReplayableError } from '@tokenrelay/core';
import {
  adapterSettings,
  CREDENTIAL_HEADERS,
  type FetchLike,
  followRedirects,
  isRedirect,
  isRequest,
  managerFor,
  type OriginPolicy,
  redactError,
} from '@tokenrelay/core/adapter-kit';
import ky, {
  type AfterResponseHook,
  type BeforeErrorHook,
  type BeforeRequestHook,
  type BeforeRetryHook,
  type Hooks,
  type InitHook,
  isHTTPError,
  type NormalizedOptions,
  type Options,
  TimeoutError,
} from 'ky';
import {
  clientBaseUrl,
  type KyManagerSource,
  type KyRequestInfo,
  type KyTokenRefreshOptions,
  optedOut,
} from './options.ts';
import { createRequestStates, type RequestState } from './request-state.ts';
import { callerRetryLimit, withReplayRoom } from './retry-budget.ts';

/** Runs `task` after the current turn of the event loop (`setImmediate` in Node, a 0 ms timer elsewhere). */
const laterThisLoop = (task: () => void): { cancel: () => void } => {
  if (typeof setImmediate === 'function') {
    const handle = setImmediate(task);
    return { cancel: () => clearImmediate(handle) };
  }
  const handle = setTimeout(task, 0);
  return { cancel: () => clearTimeout(handle) };
};

/** ky's documented default for `timeout`. */
const KY_DEFAULT_TIMEOUT_MS = 10_000;

/** The `code` of the `ForceRetryError` that `beforeRetry` hooks see for our replay. */
export const REPLAY_RETRY_CODE = 'TOKEN_REFRESHED';

const otherKyError = (): ConfigurationError =>
  new ConfigurationError(
    'The replay after a refresh was ignored: the ky running this request is another copy than the one @tokenrelay/ky imports (two ky installs, or a bundler alias). Make both resolve to one ky.',
  );

/** What `tokenRefresh()` returns: hooks for one client, for `ky.extend()`. */
export interface KyTokenRefreshHooks {
  readonly hooks: Required<Hooks>;
}

/**
 * What `tokenRefresh()` returns: pass it to `.extend()`, which calls it with the client's options, so that the
 * origins are fixed from the client's base URL at that moment.
 */
export type KyTokenRefreshExtension = (parent: Options) => KyTokenRefreshHooks;

/**
 * Options for `ky.extend()`:
 *
 *     const api = ky.create({ baseUrl: 'https://api.example.com/v1/' }).extend(tokenRefresh(manager));
 *
 * The origins that get the token are fixed by that `.extend()`: `origins`, else the origin of the client's
 * `prefix`/`baseUrl` (see `KyTokenRefreshOptions`). `manager` is one `TokenManager`, or a resolver that picks the
 * manager of each request.
 */
export function tokenRefresh(
  manager: KyManagerSource,
  options: KyTokenRefreshOptions = {},
): KyTokenRefreshExtension {
  const settings = adapterSettings(options);
  return (parent) => ({ hooks: clientHooks(manager, settings, settings.policyFor(clientBaseUrl(parent))) });
}

function clientHooks(
  manager: KyManagerSource,
  settings: ReturnType<typeof adapterSettings>,
  policy: OriginPolicy,
): Required<Hooks> {
  const { shouldRefresh, headerName: header, headerValue } = settings;
  // fetch drops Authorization on a redirect to another origin (WHATWG Fetch), but forwards any other header: with
  // a custom header, the requests that carry it follow their redirects here, by the kit's rule.
  const headerFollowsRedirects = !CREDENTIAL_HEADERS.includes(header.toLowerCase());
  const states = createRequestStates();

  /**
   * A wait for the manager, bounded by the request's signal and what is left of ky's `timeout`. The timer and the
   * request's abort are joined to the wait's signal only when the wait outlasts this turn of the event loop: a token
   * at hand (the steady state) costs no timer. The bound is the same (counted from the call's start).
   */
  const bounded = async <T>(
    request: Request,
    state: RequestState,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    const timeout = state.timeoutMs;
    const outer = request.signal;
    if (timeout === undefined || outer.aborted) return work(outer);
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    const onAbort = (): void => controller.abort(outer.reason);
    const arm = (): void => {
      if (outer.aborted) {
        onAbort();
        return;
      }
      outer.addEventListener('abort', onAbort);
      const left = Math.max(0, timeout - (Date.now() - state.startedAt));
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
      }, left);
    };
    const later = laterThisLoop(arm);
    try {
      return await work(controller.signal);
    } catch (error) {
      if (timedOut && !outer.aborted) {
        throw Object.defineProperty(new TimeoutError(request), 'cause', {
          value: error,
          configurable: true,
          writable: true,
        });
      }
      throw error;
    } finally {
      later.cancel();
      if (timer !== undefined) {
        clearTimeout(timer);
        outer.removeEventListener('abort', onAbort);
      }
    }
  };

  const managerOf = (state: RequestState, info: KyRequestInfo): TokenManager => {
    state.manager ??= managerFor(manager, info);
    return state.manager;
  };

  /**
   * ky's fetch for a call whose token header fetch would forward: a request that carries it and would follow
   * redirects is sent with `redirect: 'manual'`, and its redirects are followed by the kit (the token header and the
   * credential headers dropped on a change of origin, the token put back only where the policy allows).
   */
  const sendFollowing = async (
    underlying: FetchLike,
    state: RequestState,
    input: RequestInfo | URL,
    requestInit: RequestInit | undefined,
  ): Promise<Response> => {
    const sent = state.sent;
    if (sent === undefined || !isRequest(input) || input.redirect !== 'follow')
      return underlying(input, requestInit);
    const spare = input.body === null ? undefined : input.clone();
    const response = await underlying(new Request(input, { redirect: 'manual' }), requestInit);
    if (!isRedirect(response)) return response;
    const {
      method: _method,
      headers: _headers,
      body: _body,
      redirect: _redirect,
      ...carry
    } = requestInit ?? {};
    const followed = await followRedirects(
      response,
      { url: new URL(input.url), method: input.method, headers: new Headers(input.headers), withBody: true },
      {
        fetch: underlying,
        isAllowed: policy,
        headerName: header,
        headerValue: headerValue(sent),
        carry: { ...carry, signal: input.signal },
        body: async () => (spare === undefined ? undefined : spare.clone().arrayBuffer()),
        opaqueHint:
          "give requests with a custom `headerName` `redirect: 'manual'` or `redirect: 'error'` there",
      },
    );
    return followed.response;
  };

  const init: InitHook = (kyOptions) => {
    if (optedOut(kyOptions.context)) return;
    // ky copies `context` for each call; a copy made here is certain to be this call's own, and is its key.
    const context = { ...kyOptions.context };
    kyOptions.context = context;
    const state = states.ensure(context);
    if (headerFollowsRedirects) {
      const underlying: FetchLike = kyOptions.fetch ?? globalThis.fetch.bind(globalThis);
      kyOptions.fetch = (input, requestInit) => sendFollowing(underlying, state, input, requestInit);
    }
    // ky clones the response for each `afterResponse` hook. When a 401 left as it is becomes an HTTPError (the
    // default `throwHttpErrors`), `beforeError` sees an ignored replay: the sentinel hook and its clone are left out.
    if (kyOptions.throwHttpErrors === undefined || kyOptions.throwHttpErrors === true) {
      const { hooks } = kyOptions;
      if (hooks?.afterResponse?.includes(afterReplayAsked) === true) {
        kyOptions.hooks = {
          ...hooks,
          afterResponse: hooks.afterResponse.filter((hook) => hook !== afterReplayAsked),
        };
      }
    }
    // ky's `timeout` (default 10 s) is not in the options its later hooks see.
    state.timeoutMs = kyOptions.timeout === false ? undefined : (kyOptions.timeout ?? KY_DEFAULT_TIMEOUT_MS);
    const limit = callerRetryLimit(kyOptions.retry);
    if (limit === undefined) return;
    // With retries off, a stream body is not teed just in case: a 401 then says it could not be replayed.
    if (limit === 0 && kyOptions.body instanceof ReadableStream) return;
    kyOptions.retry = withReplayRoom(kyOptions.retry, limit, () => state.replays);
  };

  const send = (request: Request, state: RequestState, token: AccessToken): void => {
    request.headers.set(header, headerValue(token));
    state.sent = token;
    state.tokens.push(token.token);
  };

  const beforeRequest: BeforeRequestHook = async ({ request, options: kyOptions }) => {
    if (optedOut(kyOptions.context)) return;
    const state = states.ensure(kyOptions.context);
    if (!policy(request.url)) return;
    const requestManager = managerOf(state, { request, options: kyOptions });
    const token = await bounded(request, state, (signal) => requestManager.getAccessToken({ signal }));
    send(request, state, token);
  };

  // ky 2 runs `beforeRequest` once per call; a retry (after a 503, say, and its backoff) gets the current token.
  const beforeRetry: BeforeRetryHook = async ({ request, options: kyOptions }) => {
    const state = states.get(kyOptions.context);
    const sent = state?.sent;
    if (state === undefined || sent === undefined) return;
    state.replayPending = false;
    if (!policy(request.url)) {
      // Another hook pointed the retry elsewhere: our token does not go with it.
      if (request.headers.get(header) === headerValue(sent)) request.headers.delete(header);
      state.sent = undefined;
      return;
    }
    const requestManager = managerOf(state, { request, options: kyOptions });
    const token = await bounded(request, state, (signal) => requestManager.getAccessToken({ signal }));
    if (token.token === sent.token && token.type === sent.type) return;
    send(request, state, token);
  };

  // Synchronous until a response calls for a refresh: the usual response costs no promise of ours.
  const afterResponse: AfterResponseHook = ({ request, options: kyOptions, response, retryCount }) => {
    const state = states.get(kyOptions.context);
    const sent = state?.sent;
    if (state === undefined || sent === undefined || state.refreshed) return;
    const wwwAuthenticate = response.headers.get('www-authenticate');
    if (!shouldRefresh({ status: response.status, wwwAuthenticate })) return;
    // Marked before anything can fail: whatever happens next, this call is never refreshed for again.
    state.refreshed = true;
    return refreshAndReplay(state, sent, request, kyOptions, retryCount);
  };

  /**
   * Runs right after ours: reached with a replay pending only when ky did not recognise our retry marker (it made
   * no retry of it), which happens when the app's ky is another copy than ours. That must not pass silently.
   */
  const afterReplayAsked: AfterResponseHook = ({ options: kyOptions }) => {
    const state = states.get(kyOptions.context);
    if (state?.replayPending !== true) return;
    state.replayPending = false;
    throw otherKyError();
  };

  const refreshAndReplay = async (
    state: RequestState,
    sent: AccessToken,
    request: Request,
    kyOptions: NormalizedOptions,
    retryCount: number,
  ): Promise<ReturnType<typeof ky.retry> | undefined> => {
    const requestManager = managerOf(state, { request, options: kyOptions });
    const token = await bounded(request, state, (signal) =>
      requestManager.refresh({ failedToken: sent.token, signal }),
    );
    // ky keeps an unsent copy of the request whenever it may retry; without one there is nothing to send again.
    if (request.bodyUsed || retryCount >= kyOptions.retry.limit) {
      state.notReplayable = new NotReplayableError(
        request.bodyUsed
          ? 'its body was sent once and not kept (a stream body with retry: 0)'
          : "ky's retry limit leaves no room for the replay",
      );
      return;
    }
    if (!policy(request.url)) return;
    // `request` is the one ky retries with (its own unsent copy): the replay carries the new token.
    send(request, state, token);
    state.replays += 1;
    state.replayPending = true;
    return ky.retry({ delay: 0, code: REPLAY_RETRY_CODE });
  };

  // A 401 that was not replayed reaches the caller as ky's HTTPError, with the reason as its `cause`. Every error
  // of a call that carried the token is made safe to log (its request, response and `data` hidden from loggers).
  const beforeError: BeforeErrorHook = ({ error, options: kyOptions }) => {
    const state = states.get(kyOptions.context);
    // The 401 whose replay ky ignored (another copy of ky; the sentinel hook is left out with `throwHttpErrors`).
    if (state?.replayPending === true && (isHTTPError(error) || error.name === 'HTTPError')) {
      state.replayPending = false;
      return otherKyError() as unknown as typeof error;
    }
    const reason = state?.notReplayable;
    if (reason !== undefined && isHTTPError(error) && error.cause === undefined) {
      Object.defineProperty(error, 'cause', { value: reason, configurable: true, writable: true });
    }
    return state === undefined || state.tokens.length === 0 ? error : redactError(error, state.tokens);
  };

  return {
    init: [init],
    beforeRequest: [beforeRequest],
    beforeRetry: [beforeRetry],
    afterResponse: [afterResponse, afterReplayAsked],
    beforeError: [beforeError],
  };
}
