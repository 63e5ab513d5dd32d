/**
 * The replay after a refresh is a forced retry (ky's `ForceRetryError`), and ky counts forced retries against
 * `retry.limit`. So that the replay works with `retry: 0` and never eats one of the caller's own retries, each
 * request gets one more retry than the caller asked for, and `shouldRetry` turns down any ordinary retry beyond the
 * caller's limit. Only forced retries (ours) can use the extra one: ky does not ask `shouldRetry` about those.
 */
import type { Options, RetryOptions, ShouldRetryState } from 'ky';
import type { RequestState } from './request-state.ts';

/** ky's documented default for `retry.limit`. */
const KY_DEFAULT_RETRY_LIMIT = 2;

/** The caller's retry limit, or `undefined` when the option is one ky will reject (left for ky to report). */
export function callerRetryLimit(retry: Options['retry']): number | undefined {
  const limit = typeof retry === 'number' ? retry : (retry?.limit ?? KY_DEFAULT_RETRY_LIMIT);
  return Number.isInteger(limit) && limit >= 0 ? limit : undefined;
}

/**
 * The retry option with room for one replay. `state.replays` says how many forced retries the call has used so far
 * (ky counts them in `retryCount`); `state.thrown`, what the call's fetch threw, is never retried as an ordinary
 * error (a refresh that failed or timed out fails the call, as it would anywhere else).
 */
export function withReplayRoom(
  retry: Options['retry'],
  limit: number,
  state: Pick<RequestState, 'replays' | 'thrown'>,
): RetryOptions {
  const base: RetryOptions = typeof retry === 'object' && retry !== null ? retry : {};
  const callerShouldRetry = base.shouldRetry;
  return {
    ...base,
    limit: limit + 1,
    shouldRetry: (retryState: ShouldRetryState) =>
      retryState.error === state.thrown || retryState.retryCount - state.replays > limit
        ? false
        : callerShouldRetry?.(retryState),
  };
}
