/**
 * got starts its `timeout.request` clock when it sends the request (got 16.1 counts hook time too); a request that
 * waits for a token must not wait longer than that budget allows. This bounds the wait by what is left of it and by
 * the request's signal.
 */

export interface WaitBound {
  readonly signal: AbortSignal | undefined;
  readonly timedOut: () => boolean;
  readonly dispose: () => void;
}

const noop = (): void => {};
const never = (): boolean => false;

/** Whether `timeout.request` is a budget got enforces (a positive, finite number of milliseconds). */
export const hasBudget = (timeoutMs: number | undefined): timeoutMs is number =>
  timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs);

export function waitBound(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  startedAt: number,
): WaitBound {
  if (!hasBudget(timeoutMs)) return { signal, timedOut: never, dispose: noop };
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(
    () => {
      expired = true;
      controller.abort();
    },
    Math.max(0, timeoutMs - (Date.now() - startedAt)),
  );
  const abort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) abort();
  else signal?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired && signal?.aborted !== true,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    },
  };
}

/**
 * A wait for the manager (`work`), bounded by the request's signal and what is left of its `timeout.request`,
 * counted from when the call began (`startedAt`); for a budget the call did not have when it began (a later handler
 * or hook gave it), from now. When the budget runs out: a `GotWaitTimeoutError`.
 */
export async function bounded<T>(
  request: {
    readonly signal?: AbortSignal | undefined;
    readonly timeout: { readonly request?: number | undefined };
  },
  startedAt: number | undefined,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const budget = request.timeout.request;
  const bound = waitBound(request.signal, budget, startedAt ?? Date.now());
  try {
    return await work(bound.signal);
  } catch (error) {
    if (bound.timedOut()) throw new GotWaitTimeoutError(budget, error);
    throw error;
  } finally {
    bound.dispose();
  }
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
