/**
 * axios takes an AbortSignal-like `signal` and a legacy `CancelToken`; the manager takes an `AbortSignal`. This turns
 * whatever the request carries into one `AbortSignal` for the wait (and releases the listeners afterwards), and its
 * `timeout` into the manager's `timeoutMs`.
 */
import { timeLeft } from '@tokenrelay/core/adapter-kit';

interface SignalLike {
  readonly aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void) => void;
  removeEventListener?: (type: 'abort', listener: () => void) => void;
}

interface CancelTokenLike {
  readonly reason?: unknown;
  subscribe?: (listener: () => void) => void;
  unsubscribe?: (listener: () => void) => void;
  readonly promise?: Promise<unknown>;
}

export interface WaitSignal {
  readonly signal: AbortSignal | undefined;
  /**
   * What is left of the request's own `timeout` (axios starts that clock only when the request is sent; the wait
   * for a token counts against it too), for the manager's `timeoutMs`: its one queue timer enforces it.
   */
  readonly timeoutMs: number | undefined;
  /** True when the request was cancelled (axios then rejects it with its own `CanceledError`). */
  readonly cancelled: () => boolean;
  readonly dispose: () => void;
}

const noop = (): void => {};

/** A request that cannot be cancelled (no signal, no cancel token) nor time out: nothing to listen to or release. */
const UNCANCELLABLE: WaitSignal = {
  signal: undefined,
  timeoutMs: undefined,
  cancelled: () => false,
  dispose: noop,
};

/** No `signal`, no `cancelToken`, no `timeout`: nothing could end a wait early (`waitSignalFor` gives no signal). */
export function isUncancellable(config: {
  signal?: unknown;
  cancelToken?: unknown;
  timeout?: unknown;
}): boolean {
  return (
    !config.cancelToken &&
    (config.signal === undefined || config.signal === null) &&
    !(typeof config.timeout === 'number' && config.timeout > 0)
  );
}

/**
 * How the wait is bounded: one `AbortSignal` for the request's `signal` and its `cancelToken`, and what is left of
 * its `timeout`. `startedAt` is when the request began, so a replay's wait gets what is left.
 */
export function waitSignalFor(
  config: { signal?: unknown; cancelToken?: unknown; timeout?: unknown },
  startedAt?: number,
): WaitSignal {
  const signal = config.signal as SignalLike | undefined;
  const cancelToken = config.cancelToken as CancelTokenLike | undefined;
  const timeoutMs =
    typeof config.timeout === 'number' && config.timeout > 0
      ? timeLeft(config.timeout, startedAt)
      : undefined;
  if (!cancelToken && (signal === undefined || signal === null)) {
    return timeoutMs === undefined ? UNCANCELLABLE : { ...UNCANCELLABLE, timeoutMs };
  }
  const cancelled = (): boolean => signal?.aborted === true || cancelToken?.reason !== undefined;
  if (!cancelToken && signal instanceof AbortSignal) {
    return { signal, timeoutMs, cancelled, dispose: noop };
  }
  // A cancel token, or axios's GenericAbortSignal (anything with `aborted` and listeners): one signal for both.
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const cleanups: (() => void)[] = [];
  if (signal) {
    if (signal.aborted) abort();
    else if (typeof signal.addEventListener === 'function') {
      signal.addEventListener('abort', abort);
      cleanups.push(() => signal.removeEventListener?.('abort', abort));
    }
  }
  if (cancelToken) {
    if (cancelToken.reason !== undefined) abort();
    else if (typeof cancelToken.subscribe === 'function') {
      cancelToken.subscribe(abort);
      cleanups.push(() => cancelToken.unsubscribe?.(abort));
    } else {
      cancelToken.promise?.then(abort, noop);
    }
  }
  return {
    signal: controller.signal,
    timeoutMs,
    cancelled,
    dispose: () => {
      for (const cleanup of cleanups) cleanup();
    },
  };
}
