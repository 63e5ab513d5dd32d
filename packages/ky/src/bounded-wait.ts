/**
 * A wait for the manager, bounded by the request's signal and what is left of ky's `timeout` for the call (counted
 * from the call's start). Only waits that must wait come here (a fresh token is taken without a promise). The
 * manager enforces the limit (`timeoutMs`) with the one timer its queue holds for every waiting request: a wait costs
 * no timer, controller or listener of ours.
 */
import { isRequestTimeout, timeLeft } from '@tokenrelay/core/adapter-kit';
import { TimeoutError } from 'ky';
import type { RequestState } from './request-state.ts';

/** A manager call bounded by `signal` and, when given, `timeoutMs`. */
export type BoundedWork<T> = (signal: AbortSignal, timeoutMs: number | undefined) => Promise<T>;

/**
 * Runs `work` with the request's signal and, with ky's timeout on, what is left of it, then `then` with its result;
 * when the time runs out, rejects with ky's own `TimeoutError`, the manager's `WaitTimeoutError` as its `cause`. One
 * derived promise per wait, the caller's continuation and our error mapping on it together. The request's signal is
 * always passed: even with no `signal` option, a `Request` given as ky's input brings its own, which hooks cannot tell
 * from ky's.
 */
export function boundedWait<T, R>(
  request: Request,
  state: Pick<RequestState, 'timeoutMs' | 'startedAt'>,
  work: BoundedWork<T>,
  then: (value: T) => R,
): Promise<R> {
  const timeout = state.timeoutMs;
  const { signal } = request;
  if (timeout === undefined || signal.aborted) return work(signal, undefined).then(then);
  return work(signal, timeLeft(timeout, state.startedAt)).then(then, (error: unknown) => {
    if (!isRequestTimeout(error) || signal.aborted) throw error;
    throw Object.defineProperty(new TimeoutError(request), 'cause', {
      value: error,
      configurable: true,
      writable: true,
    });
  });
}
