/**
 * The fetch of one ky call. ky sends every attempt of the call through its `fetch` option, so this sees each
 * response before ky does. A response that calls for a refresh (by `shouldRefresh`, to an attempt that carried our
 * token, once per call) is answered here: the refresh runs, and the replay is asked of ky by rejecting with ky's own
 * `ForceRetryError`, the error ky makes of `ky.retry()`. ky takes it as a forced retry whichever step threw it: the
 * caller's `beforeRetry` hooks see it, it counts in `retryCount` and against `retry.limit`, and ky sends its own
 * unsent copy of the request. Every other response passes through untouched, and we add no `afterResponse` hook,
 * for which ky would clone every response.
 */
import { NotReplayableError, type TokenManager } from '@tokenrelay/core';
import {
  discard,
  type FetchLike,
  isRequest,
  type OriginPolicy,
  type ShouldRefresh,
} from '@tokenrelay/core/adapter-kit';
import { ForceRetryError } from 'ky';
import { boundedWait } from './bounded-wait.ts';
import type { RequestState } from './request-state.ts';

/** The `code` of the `ForceRetryError` that `beforeRetry` hooks see for our replay. */
export const REPLAY_RETRY_CODE = 'TOKEN_REFRESHED';

export interface ReplayRules {
  readonly shouldRefresh: ShouldRefresh;
  readonly policy: OriginPolicy;
  /** Sends one attempt (with the kit's redirect rules when the token header is one fetch would forward). */
  readonly send: (
    underlying: FetchLike,
    state: RequestState,
    input: RequestInfo | URL,
    init: RequestInit | undefined,
  ) => Promise<Response>;
}

/** The fetch for one call: `underlying` (the caller's `fetch` option, else the global one) plus the 401 path. */
export function replayFetch(rules: ReplayRules, underlying: FetchLike, state: RequestState): FetchLike {
  return (input, init) => {
    // What ky's `retryCount` is for this attempt (our first beforeRetry hook keeps it).
    const retryCount = state.retryCount;
    return rules.send(underlying, state, input, init).then((response) => {
      const sent = state.sent;
      const manager = state.manager;
      if (sent === undefined || manager === undefined || state.refreshed || !isRequest(input))
        return response;
      if (
        !rules.shouldRefresh({
          status: response.status,
          wwwAuthenticate: response.headers.get('www-authenticate'),
        })
      )
        return response;
      // Marked before anything can fail: whatever happens next, this call is never refreshed for again.
      state.refreshed = true;
      return refreshThenReplay(rules, state, manager, sent.token, input, response, retryCount);
    });
  };
}

async function refreshThenReplay(
  rules: ReplayRules,
  state: RequestState,
  manager: TokenManager,
  failedToken: string,
  request: Request,
  response: Response,
  retryCount: number,
): Promise<Response> {
  let token: Awaited<ReturnType<TokenManager['refresh']>>;
  try {
    token = await boundedWait(request, state, (signal) => manager.refresh({ failedToken, signal }));
  } catch (error) {
    discard(response);
    state.thrown = error;
    throw error;
  }
  // ky keeps an unsent copy of the request whenever it may retry (`retry.limit` above 0); without one, or without a
  // retry left, there is nothing to send again: the 401 goes on to the caller.
  if (retryCount >= state.retryLimit) {
    state.notReplayable = new NotReplayableError(
      state.retryLimit === 0 && request.bodyUsed
        ? 'its body was sent once and not kept (a stream body with retry: 0)'
        : "ky's retry limit leaves no room for the replay",
    );
    return response;
  }
  if (!rules.policy(request.url)) return response;
  discard(response);
  state.replayToken = token;
  state.replays += 1;
  state.replayPending = true;
  const replay = new ForceRetryError({ delay: 0, code: REPLAY_RETRY_CODE });
  state.thrown = replay;
  throw replay;
}
