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

/**
 * One waiting request: its deadline, how to settle its promise, and its abort listener (only when it has a signal).
 * A plain object with no closures of its own, so that 50,000 waiters cost little more than their promises.
 */
interface Entry<T> {
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  onAbort: (() => void) | undefined;
}

const unset = (): void => {};

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

  /** Takes `entry`'s abort listener off its signal. */
  const unlisten = (entry: Entry<T>): void => {
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
  };

  /** Takes `entry` out of the queue (and its abort listener off its signal); re-arms the timer if it was its. */
  const leave = (entry: Entry<T>): void => {
    if (!entries.delete(entry)) return;
    unlisten(entry);
    if (armedFor === entry || entries.size === 0) arm();
  };

  const fail = (entry: Entry<T>, error: unknown): void => {
    leave(entry);
    entry.reject(error);
  };

  /** The timer armed for `head` fired: it has waited long enough; so has everyone whose deadline passed. */
  const expire = (head: Entry<T>): void => {
    cancelTimer = undefined;
    armedFor = undefined;
    const now = clock.now();
    const error = options.timeoutError();
    for (const entry of entries) {
      if (entry !== head && entry.deadline > now) break;
      fail(entry, error);
    }
    arm();
  };

  /** Settles every waiter at once: the queue is emptied first, then each promise settles. */
  const settleAll = (settle: (entry: Entry<T>) => void): void => {
    const settled = [...entries];
    entries.clear();
    disarm();
    for (const entry of settled) {
      unlisten(entry);
      settle(entry);
    }
  };

  return {
    wait(signal) {
      if (entries.size >= maxWaiters) return Promise.reject(new QueueFullError(maxWaiters));
      if (signal?.aborted) return Promise.reject(signal.reason);
      const entry: Entry<T> = {
        deadline: clock.now() + timeoutMs,
        signal,
        resolve: unset,
        reject: unset,
        onAbort: undefined,
      };
      const promise = new Promise<T>((resolve, reject) => {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      if (signal !== undefined) {
        entry.onAbort = () => fail(entry, signal.reason);
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      entries.add(entry);
      if (cancelTimer === undefined) arm();
      return promise;
    },
    resolveAll(value) {
      settleAll((entry) => entry.resolve(value));
    },
    rejectAll(error) {
      settleAll((entry) => entry.reject(error));
    },
    get size() {
      return entries.size;
    },
  };
}
