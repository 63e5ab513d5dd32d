/**
 * Requests waiting for a token (or for the first store read). One timer serves the whole queue, armed for the
 * earliest deadline: a waiter's deadline is the manager's wait timeout after it arrived, or sooner when the request
 * gave a `timeoutMs` of its own (an adapter passes what is left of the client's own timeout). Deadlines sit in a
 * binary heap, so 50,000 waiters cost one timer whatever their deadlines; waiters that share the manager's timeout
 * arrive in deadline order and go in at the heap's bottom without moving anything. An aborted or settled waiter
 * leaves at once and takes its abort listener along (the heap drops it when it reaches the top, or when those that
 * left outnumber those that wait). While anyone waits, the timer keeps the process alive (a request that waits is
 * work in progress); an empty queue holds no timer at all.
 */
import { QueueFullError } from './errors.ts';
import { startTimer } from './timers.ts';
import type { Clock } from './types.ts';

export interface WaiterQueueOptions {
  readonly clock: Clock;
  readonly maxWaiters: number;
  /** `Infinity`: no timeout (the queue still keeps the process alive while it is not empty). */
  readonly timeoutMs: number;
  /**
   * The error a waiter gets when its deadline passes: `requestMs` is the request's own `timeoutMs` when that is the
   * limit that ran out, `undefined` when it was the queue's `timeoutMs`.
   */
  readonly timeoutError: (requestMs: number | undefined) => Error;
}

export interface WaiterQueue<T> {
  /**
   * Waits until `resolveAll`/`rejectAll`, the timeout (the queue's, or `timeoutMs` from now when that is sooner), or
   * `signal` (rejecting with its reason).
   */
  wait(signal?: AbortSignal | undefined, timeoutMs?: number | undefined): Promise<T>;
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
  /** The request's own `timeoutMs` when it set the deadline; `undefined` for the queue's timeout. */
  readonly requestMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  onAbort: (() => void) | undefined;
}

const unset = (): void => {};

/** A binary min-heap of entries by deadline; entries that left are skipped (and dropped) when they reach the top. */
interface DeadlineHeap<T> {
  push(entry: Entry<T>): void;
  /** The live entry with the earliest deadline, or `undefined`. */
  peek(): Entry<T> | undefined;
  pop(): void;
  clear(): void;
  /** Entries held, live or not. */
  readonly size: number;
  /** Drops every entry that left, in O(size). */
  compact(): void;
}

function createDeadlineHeap<T>(isLive: (entry: Entry<T>) => boolean): DeadlineHeap<T> {
  const items: Entry<T>[] = [];
  const swap = (i: number, j: number): void => {
    const item = items[i] as Entry<T>;
    items[i] = items[j] as Entry<T>;
    items[j] = item;
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) return;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as Entry<T>).deadline < (items[left] as Entry<T>).deadline
          ? right
          : left;
      if ((items[child] as Entry<T>).deadline >= (items[i] as Entry<T>).deadline) return;
      swap(i, child);
      i = child;
    }
  };
  const removeTop = (): void => {
    const last = items.pop();
    if (last === undefined || items.length === 0) return;
    items[0] = last;
    siftDown(0);
  };
  return {
    push(entry) {
      items.push(entry);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((items[parent] as Entry<T>).deadline <= entry.deadline) return;
        swap(i, parent);
        i = parent;
      }
    },
    peek() {
      while (items.length > 0 && !isLive(items[0] as Entry<T>)) removeTop();
      return items[0];
    },
    pop: removeTop,
    clear() {
      items.length = 0;
    },
    get size() {
      return items.length;
    },
    compact() {
      let kept = 0;
      for (const item of items) if (isLive(item)) items[kept++] = item;
      items.length = kept;
      for (let i = (kept >> 1) - 1; i >= 0; i--) siftDown(i);
    },
  };
}

export function createWaiterQueue<T>(options: WaiterQueueOptions): WaiterQueue<T> {
  const { clock, maxWaiters, timeoutMs } = options;
  const entries = new Set<Entry<T>>();
  const deadlines = createDeadlineHeap<T>((entry) => entries.has(entry));
  let cancelTimer: (() => void) | undefined;
  let armedFor: Entry<T> | undefined;

  const disarm = (): void => {
    cancelTimer?.();
    cancelTimer = undefined;
    armedFor = undefined;
  };

  /** Arms the one timer for the earliest deadline, unless it already is. */
  const arm = (): void => {
    const first = deadlines.peek();
    if (first === undefined) {
      disarm();
      return;
    }
    if (armedFor === first) return;
    disarm();
    armedFor = first;
    // At most a full timeout away, even when the wall clock stepped back since the waiter arrived.
    const delay = Math.min(first.requestMs ?? timeoutMs, Math.max(0, first.deadline - clock.now()));
    cancelTimer = startTimer(clock, delay, () => expire(first), { keepAlive: true });
  };

  /** Takes `entry`'s abort listener off its signal. */
  const unlisten = (entry: Entry<T>): void => {
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort);
  };

  /**
   * Takes `entry` out of the queue (and its abort listener off its signal). The timer stays armed for it (firing,
   * it finds it gone and moves on), unless the queue is now empty: an empty queue holds no timer.
   */
  const leave = (entry: Entry<T>): void => {
    if (!entries.delete(entry)) return;
    unlisten(entry);
    if (entries.size === 0) {
      deadlines.clear();
      disarm();
    } else if (deadlines.size > 2 * entries.size + 64) {
      // Many left before their deadline (aborted while a refresh hangs): the heap lets go of them.
      deadlines.compact();
    }
  };

  const errorFor = (entry: Entry<T>, shared: { error?: Error }): Error => {
    if (entry.requestMs !== undefined) return options.timeoutError(entry.requestMs);
    shared.error ??= options.timeoutError(undefined);
    return shared.error;
  };

  /** The timer armed for `armed` fired: it has waited long enough; so has everyone whose deadline passed. */
  const expire = (armed: Entry<T>): void => {
    cancelTimer = undefined;
    armedFor = undefined;
    const now = clock.now();
    // Those that ran out on the queue's timeout together share one error, as they always did.
    const shared: { error?: Error } = {};
    for (let first = deadlines.peek(); first !== undefined; first = deadlines.peek()) {
      if (first !== armed && first.deadline > now) break;
      deadlines.pop();
      leave(first);
      first.reject(errorFor(first, shared));
    }
    // The armed waiter is out even when the clock stepped back: its timer ran the full time.
    if (entries.has(armed)) {
      leave(armed);
      armed.reject(errorFor(armed, shared));
    }
    arm();
  };

  /** Settles every waiter at once: the queue is emptied first, then each promise settles. */
  const settleAll = (settle: (entry: Entry<T>) => void): void => {
    const settled = [...entries];
    entries.clear();
    deadlines.clear();
    disarm();
    for (const entry of settled) {
      unlisten(entry);
      settle(entry);
    }
  };

  return {
    wait(signal, requestTimeoutMs) {
      if (entries.size >= maxWaiters) return Promise.reject(new QueueFullError(maxWaiters));
      if (signal?.aborted) return Promise.reject(signal.reason);
      // The request's own limit counts only when it ends the wait sooner than the queue's.
      const requestMs =
        requestTimeoutMs !== undefined && requestTimeoutMs < timeoutMs ? requestTimeoutMs : undefined;
      const entry: Entry<T> = {
        deadline: clock.now() + (requestMs ?? timeoutMs),
        requestMs,
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
        entry.onAbort = () => {
          leave(entry);
          entry.reject(signal.reason);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      entries.add(entry);
      deadlines.push(entry);
      if (armedFor === undefined || entry.deadline < armedFor.deadline) arm();
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
