/**
 * Requests waiting for a token (or for the first store read). One timer serves the whole queue: waiters share one
 * timeout, so their deadlines come in the order they arrived, and the single timer is armed for the oldest one.
 * 50,000 waiters cost one timer; an aborted or settled waiter leaves at once and takes its abort listener along.
 * While anyone waits, that timer keeps the process alive (a request that waits is work in progress); an empty
 * queue holds no timer at all.
 */
import { QueueFullError } from './errors.ts';
import { startTimer } from './timers.ts';
import type { Clock } from './types.ts';

export interface WaiterQueueOptions {
  readonly clock: Clock;
  readonly maxWaiters: number;
  /** `Infinity`: no timeout (the queue still keeps the process alive while it is not empty). */
  readonly timeoutMs: number;
  readonly timeoutError: () => Error;
}

export interface WaiterQueue<T> {
  /** Waits until `resolveAll`/`rejectAll`, the timeout, or `signal` (rejecting with its reason). */
  wait(signal?: AbortSignal | undefined): Promise<T>;
  resolveAll(value: T): void;
  rejectAll(error: unknown): void;
  readonly size: number;
}

interface Entry<T> {
  readonly deadline: number;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function createWaiterQueue<T>(options: WaiterQueueOptions): WaiterQueue<T> {
  const { clock, maxWaiters, timeoutMs } = options;
  const entries = new Set<Entry<T>>();
  let cancelTimer: (() => void) | undefined;
  let armedFor: Entry<T> | undefined;

  const disarm = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
    armedFor = undefined;
  };

  /** Arms the one timer for the oldest waiter (the earliest deadline), unless it already is. */
  const arm = (): void => {
    const head = entries.values().next().value;
    if (head === undefined) {
      disarm();
      return;
    }
    if (armedFor === head) return;
    disarm();
    armedFor = head;
    // At most a full timeout away, even when the wall clock stepped back since the waiter arrived.
    const delay = Math.min(timeoutMs, Math.max(0, head.deadline - clock.now()));
    const armed = head;
    cancelTimer = startTimer(clock, delay, () => expire(armed), { keepAlive: true });
  };

  /** The timer armed for `head` fired: it has waited long enough; so has everyone whose deadline passed. */
  const expire = (head: Entry<T>): void => {
    cancelTimer = undefined;
    armedFor = undefined;
    const now = clock.now();
    const error = options.timeoutError();
    for (const entry of entries) {
      if (entry !== head && entry.deadline > now) break;
      entry.reject(error);
    }
    arm();
  };

  return {
    wait(signal) {
      if (entries.size >= maxWaiters) return Promise.reject(new QueueFullError(maxWaiters));
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => entry.reject(signal?.reason);
        const leave = (): void => {
          entries.delete(entry);
          signal?.removeEventListener('abort', onAbort);
          if (armedFor === entry || entries.size === 0) arm();
        };
        const entry: Entry<T> = {
          deadline: clock.now() + timeoutMs,
          resolve: (value) => {
            leave();
            resolve(value);
          },
          reject: (error) => {
            leave();
            reject(error);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        entries.add(entry);
        if (cancelTimer === undefined) arm();
      });
    },
    resolveAll(value) {
      const settled = [...entries];
      entries.clear();
      disarm();
      for (const entry of settled) entry.resolve(value);
    },
    rejectAll(error) {
      const settled = [...entries];
      entries.clear();
      disarm();
      for (const entry of settled) entry.reject(error);
    },
    get size() {
      return entries.size;
    },
  };
}
