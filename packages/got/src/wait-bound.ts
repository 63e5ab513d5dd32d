/**
 * got starts its `timeout.request` clock when it sends the request (got 16.1 counts hook time too); a request that
 * waits for a token must not wait longer than that budget allows. This bounds the wait by what is left of it and by
 * the request's signal.
 */
import { isRequestTimeout, timeLeft } from '@tokenrelay/core/adapter-kit';

/** Whether `timeout.request` is a budget got enforces (a positive, finite number of milliseconds). */
export const hasBudget = (timeoutMs: number | undefined): timeoutMs is number =>
  timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs);

/**
 * A wait for the manager (`work`), bounded by the request's signal and what is left of its `timeout.request`,
 * counted from when the call began (`startedAt`); for a budget the call did not have when it began (a later handler
 * or hook gave it), from now. The manager enforces the limit (`timeoutMs`) with the one timer its queue holds for
 * every waiting request: a wait costs no timer, controller or listener of ours. When the budget runs out: a
 * `GotWaitTimeoutError`.
 */
export function bounded<T>(
  request: {
    readonly signal?: AbortSignal | undefined;
    readonly timeout: { readonly request?: number | undefined };
  },
  startedAt: number | undefined,
  work: (signal: AbortSignal | undefined, timeoutMs: number | undefined) => Promise<T>,
): Promise<T> {
  const budget = request.timeout.request;
  const { signal } = request;
  if (!hasBudget(budget)) return work(signal, undefined);
  return work(signal, timeLeft(budget, startedAt)).catch((error: unknown) => {
    if (isRequestTimeout(error) && signal?.aborted !== true) throw new GotWaitTimeoutError(budget, error);
    throw error;
  });
}

/**
 * Thrown when `timeout.request` runs out while the request waits for a token: got wraps it in its `RequestError`
 * with this error's `code` (`ETIMEDOUT`, the code of got's own `TimeoutError`) and keeps it as `cause`; its own
 * `cause` is the wait's error.
 */
export class GotWaitTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'ETIMEDOUT';
  /** Which of got's timeouts ran out, as on got's own `TimeoutError`. */
  readonly event = 'request';

  constructor(timeoutMs: number | undefined, cause: unknown) {
    super(`Timeout awaiting 'request' for ${String(timeoutMs)}ms`, { cause });
  }
}
