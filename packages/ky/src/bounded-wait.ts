/**
 * A wait for the manager, bounded by the request's signal and what is left of ky's `timeout` for the call. Only
 * waits that must wait come here (a fresh token is taken without a promise), and even then the timer and the
 * request's abort are joined to the wait's signal only when the wait outlasts this turn of the event loop. The bound
 * is counted from the call's start.
 */
import { TimeoutError } from 'ky';
import type { RequestState } from './request-state.ts';

/** Runs `task` after the current turn of the event loop (`setImmediate` in Node, a 0 ms timer elsewhere). */
const laterThisLoop = (task: () => void): { cancel: () => void } => {
  if (typeof setImmediate === 'function') {
    const handle = setImmediate(task);
    return { cancel: () => clearImmediate(handle) };
  }
  const handle = setTimeout(task, 0);
  return { cancel: () => clearTimeout(handle) };
};

/**
 * Runs `work` with a signal that aborts when the request's does, or, with ky's timeout on, when the call's time is
 * up; the latter rejects with ky's own `TimeoutError`, the wait's error as its `cause`. Without a timeout, `work`'s own
 * promise is returned: no promise of ours per wait. The request's signal is always passed: even with no `signal`
 * option, a `Request` given as ky's input brings its own, which hooks cannot tell from ky's.
 */
export function boundedWait<T>(
  request: Request,
  state: Pick<RequestState, 'timeoutMs' | 'startedAt'>,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const timeout = state.timeoutMs;
  const outer = request.signal;
  if (timeout === undefined || outer.aborted) return work(outer);
  return timedWait(request, timeout, state.startedAt, work);
}

/** The wait bounded by what is left of `timeout` (counted from `startedAt`) and by the request's signal. */
async function timedWait<T>(
  request: Request,
  timeout: number,
  startedAt: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const outer = request.signal;
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
    const left = Math.max(0, timeout - (Date.now() - startedAt));
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
}
