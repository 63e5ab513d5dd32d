/**
 * `tokenRefresh(manager)`: ky hooks that put the manager's token on requests to allowed origins and, on a 401,
 * refresh once and replay once with ky's own forced retry (`ky.retry()` from `afterResponse`). Every decision
 * (freshness, whether a 401 is stale, what an error means, which origins, which responses) is the core's; this
 * file only translates.
 */
import {
  type AccessToken,
  adapterSettings,
  ConfigurationError,
  NotReplayableError,
  type TokenManager,
} from '@tokenrelay/core';
import ky, {
  type AfterResponseHook,
  type BeforeErrorHook,
  type BeforeRequestHook,
  type BeforeRetryHook,
  type Hooks,
  type InitHook,
  isHTTPError,
} from 'ky';
import { basePolicies, type KyTokenRefreshOptions, optedOut } from './options.ts';
import { hideCredentialedRequest } from './redact-errors.ts';
import { createRequestStates, type RequestState } from './request-state.ts';
import { callerRetryLimit, withReplayRoom } from './retry-budget.ts';

/** The `code` of the `ForceRetryError` that `beforeRetry` hooks see for our replay. */
export const REPLAY_RETRY_CODE = 'TOKEN_REFRESHED';

const customHeaderRedirectError = (): ConfigurationError =>
  new ConfigurationError(
    "fetch forwards a custom `headerName` when it follows a redirect to another origin: give these requests `redirect: 'manual'` or `redirect: 'error'`",
  );

/** What `tokenRefresh()` returns: options for `ky.extend()` or `ky.create()`. */
export interface KyTokenRefreshHooks {
  readonly hooks: Required<Hooks>;
}

/**
 * Options for `ky.extend()`:
 *
 *     const api = ky.create({ baseUrl: 'https://api.example.com/v1/' }).extend(tokenRefresh(manager));
 *
 * With `origins` given, it is checked here, at once; without it, each request derives its origin from its
 * `prefix`/`baseUrl` (see `KyTokenRefreshOptions`).
 */
export function tokenRefresh(
  manager: TokenManager,
  options: KyTokenRefreshOptions = {},
): KyTokenRefreshHooks {
  const settings = adapterSettings(options);
  const { shouldRefresh, headerName: header, headerValue } = settings;
  // fetch drops Authorization on a redirect to another origin (WHATWG Fetch), but forwards any other header.
  const headerFollowsRedirects = header.toLowerCase() !== 'authorization';
  const states = createRequestStates();
  const policyOf = basePolicies((fallback) => settings.policyFor(fallback));

  const init: InitHook = (kyOptions) => {
    if (optedOut(kyOptions.context)) return;
    // ky copies `context` for each call; a copy made here is certain to be this call's own, and is its key.
    const context = { ...kyOptions.context };
    kyOptions.context = context;
    const state = states.ensure(context);
    const limit = callerRetryLimit(kyOptions.retry);
    if (limit === undefined) return;
    // With retries off, a stream body is not teed just in case: a 401 then says it could not be replayed.
    if (limit === 0 && kyOptions.body instanceof ReadableStream) return;
    kyOptions.retry = withReplayRoom(kyOptions.retry, limit, () => state.replays);
  };

  const beforeRequest: BeforeRequestHook = async ({ request, options: kyOptions }) => {
    if (optedOut(kyOptions.context)) return;
    const state = states.ensure(kyOptions.context);
    state.policy ??= policyOf(kyOptions);
    if (!state.policy(request.url)) return;
    if (headerFollowsRedirects && request.redirect === 'follow') throw customHeaderRedirectError();
    const token = await manager.getAccessToken({ signal: request.signal });
    request.headers.set(header, headerValue(token));
    state.sent = token;
  };

  // ky 2 runs `beforeRequest` once per call; a retry (after a 503, say, and its backoff) gets the current token.
  const beforeRetry: BeforeRetryHook = async ({ request, options: kyOptions }) => {
    const state = states.get(kyOptions.context);
    const sent = state?.sent;
    if (state === undefined || sent === undefined) return;
    if (!state.policy?.(request.url)) {
      // Another hook pointed the retry elsewhere: our token does not go with it.
      if (request.headers.get(header) === headerValue(sent)) request.headers.delete(header);
      state.sent = undefined;
      return;
    }
    const token = await manager.getAccessToken({ signal: request.signal });
    if (token.token === sent.token && token.type === sent.type) return;
    request.headers.set(header, headerValue(token));
    state.sent = token;
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
    return refreshAndReplay(state, sent, request, kyOptions.retry.limit, retryCount);
  };

  const refreshAndReplay = async (
    state: RequestState,
    sent: AccessToken,
    request: Request,
    retryLimit: number,
    retryCount: number,
  ): Promise<ReturnType<typeof ky.retry> | undefined> => {
    const token = await manager.refresh({ failedToken: sent.token, signal: request.signal });
    // ky keeps an unsent copy of the request whenever it may retry; without one there is nothing to send again.
    if (request.bodyUsed || retryCount >= retryLimit) {
      state.notReplayable = new NotReplayableError(
        request.bodyUsed
          ? 'its body was sent once and not kept (a stream body with retry: 0)'
          : "ky's retry limit leaves no room for the replay",
      );
      return;
    }
    if (!state.policy?.(request.url)) return;
    // `request` is the one ky retries with (its own unsent copy): the replay carries the new token.
    request.headers.set(header, headerValue(token));
    state.sent = token;
    state.replays += 1;
    return ky.retry({ delay: 0, code: REPLAY_RETRY_CODE });
  };

  // A 401 that was not replayed reaches the caller as ky's HTTPError, with the reason as its `cause`.
  const beforeError: BeforeErrorHook = ({ error, options: kyOptions }) => {
    hideCredentialedRequest(error, header);
    const reason = states.get(kyOptions.context)?.notReplayable;
    if (reason !== undefined && isHTTPError(error) && error.cause === undefined) {
      Object.defineProperty(error, 'cause', { value: reason, configurable: true, writable: true });
    }
    return error;
  };

  return {
    hooks: {
      init: [init],
      beforeRequest: [beforeRequest],
      beforeRetry: [beforeRetry],
      afterResponse: [afterResponse],
      beforeError: [beforeError],
    },
  };
}
