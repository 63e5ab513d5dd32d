/**
 * The 401 path, and the fetch of one ky call. ky sends every attempt of a call through its `fetch` option, so the
 * call's fetch sees each response before ky does. A response that calls for a refresh (by `shouldRefresh`, to an
 * attempt that carried our token, once per call) is answered there: the refresh runs, and the replay is asked of ky
 * by rejecting with ky's own `ForceRetryError`, the error ky makes of `ky.retry()`. ky takes it as a forced retry
 * whichever step threw it: the caller's `beforeRetry` hooks see it, it counts in `retryCount` and against
 * `retry.limit`, and ky sends its own unsent copy of the request. Every other response passes through untouched, and
 * the call needs no `afterResponse` hook of ours, for which ky would clone every response. Only when the client we
 * extend has `afterResponse` hooks of its own (they ran before ours, and saw the 401) does the call answer it from
 * our `afterResponse` hook instead, as before.
 */
import { NotReplayableError, type TokenManager } from '@tokenrelay/core';
import {
  type AdapterSettings,
  discard,
  type FetchLike,
  isRequest,
  type OriginPolicy,
  refreshWithin,
} from '@tokenrelay/core/adapter-kit';
import { ForceRetryError } from 'ky';
import { boundedWait } from './bounded-wait.ts';
import type { RequestState } from './request-state.ts';

/** The `code` of the `ForceRetryError` that `beforeRetry` hooks see for our replay. */
export const REPLAY_RETRY_CODE = 'TOKEN_REFRESHED';

const wwwAuthenticateOf = (response: Response): string | null => response.headers.get('www-authenticate');

export interface ReplayRules {
  /**
   * The 401 is answered from our `afterResponse` hook, not from the call's fetch: the client we extend has
   * `afterResponse` hooks of its own, which see every response before ours.
   */
  readonly viaHook: boolean;
  /** The kit's `shouldRefresh` rule (it reads `WWW-Authenticate` only when the rule needs it). */
  readonly wantsRefresh: AdapterSettings['wantsRefresh'];
  readonly policy: OriginPolicy;
  /** Sends one attempt (with the kit's redirect rules when the token header is one fetch would forward). */
  readonly send: (
    underlying: FetchLike,
    state: RequestState,
    input: RequestInfo | URL,
    init: RequestInit | undefined,
  ) => Promise<Response>;
}

/** What a refresh for the call's 401 needs: its manager and the token that failed. */
interface RefreshStart {
  readonly manager: TokenManager;
  readonly failedToken: string;
}

/**
 * Whether `response`, to an attempt of this call, starts the call's one refresh (by `shouldRefresh`, for an attempt
 * that carried our token); marks the call as refreshed when it does.
 */
export function startsRefresh(
  rules: ReplayRules,
  state: RequestState,
  response: Response,
): RefreshStart | undefined {
  const { sent, manager } = state;
  if (sent === undefined || manager === undefined || state.refreshed) return undefined;
  if (!rules.wantsRefresh(response.status, response, wwwAuthenticateOf)) return undefined;
  // Marked before anything can fail: whatever happens next, this call is never refreshed for again.
  state.refreshed = true;
  return { manager, failedToken: sent.token };
}

/**
 * The refresh for the call's 401, then the replay: rejects with ky's `ForceRetryError`, which ky takes as a forced
 * retry whether it comes from `fetch` or from an `afterResponse` hook. Resolves when the 401 goes on to the caller
 * (nothing to send again); rejects with the refresh's error when the refresh fails. `request` is the one ky would
 * send again (from `fetch`: the one just sent, which ky copied before sending whenever it may retry).
 */
export async function refreshThenReplay(
  rules: ReplayRules,
  state: RequestState,
  start: RefreshStart,
  request: Request,
  retryCount: number,
): Promise<void> {
  const { manager, failedToken } = start;
  let token: Awaited<ReturnType<TokenManager['refresh']>>;
  try {
    token = await boundedWait(
      request,
      state,
      (signal, timeoutMs) => refreshWithin(manager, { failedToken, signal, timeoutMs }),
      (refreshed) => refreshed,
    );
  } catch (error) {
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
    return;
  }
  if (!rules.policy(request.url)) return;
  state.replayToken = token;
  state.replays += 1;
  state.replayPending = true;
  const replay = new ForceRetryError({ delay: 0, code: REPLAY_RETRY_CODE });
  state.thrown = replay;
  throw replay;
}

/**
 * The fetch for one call: `underlying` (the caller's `fetch` option, else the global one), plus the 401 path when
 * the call answers 401s here (not when the client we extend has `afterResponse` hooks that must see them first).
 */
export function replayFetch(rules: ReplayRules, underlying: FetchLike, state: RequestState): FetchLike {
  return async (input, init) => {
    // What ky's `retryCount` is for this attempt (our first beforeRetry hook keeps it).
    const retryCount = state.retryCount;
    const response = await rules.send(underlying, state, input, init);
    if (rules.viaHook || !isRequest(input)) return response;
    const start = startsRefresh(rules, state, response);
    if (start === undefined) return response;
    try {
      await refreshThenReplay(rules, state, start, input, retryCount);
    } catch (error) {
      discard(response);
      throw error;
    }
    return response;
  };
}
