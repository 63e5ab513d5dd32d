import type { HeldLock } from '@tokenrelay/core';
import { LockError } from '@tokenrelay/core';

/** The part of `navigator.locks` the store uses. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { readonly signal?: AbortSignal },
    callback: (lock: unknown) => Promise<T>,
  ): Promise<T>;
}

export interface TimerFunctions {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RunLockedOptions {
  readonly locks: LockManagerLike;
  readonly name: string;
  readonly acquireTimeoutMs: number;
  readonly timers: TimerFunctions;
  /** The caller's signal: bounds the acquire like the timeout does. */
  readonly signal?: AbortSignal | undefined;
  /** Fires when the store is closed: a held lock counts as lost then. */
  readonly closed: AbortSignal;
}

/**
 * Runs `fn` while holding the Web Lock `name`. The wait for the lock is bounded by the acquire timeout
 * (`LockError('acquire-timeout')`) and the caller's signal (rejects with its reason, like every store call). A Web Lock is
 * released by the browser when its holder's page or worker goes away, so a closed tab never blocks the others.
 */
export async function runLocked<T>(
  fn: (lock: HeldLock) => Promise<T>,
  options: RunLockedOptions,
): Promise<T> {
  const { locks, name, acquireTimeoutMs, timers, signal, closed } = options;
  if (closed.aborted) throw new LockError('unavailable', { cause: closed.reason });
  signal?.throwIfAborted();
  const acquire = new AbortController();
  const timer = timers.setTimeout(() => acquire.abort(new LockError('acquire-timeout')), acquireTimeoutMs);
  const onCallerAbort = (): void => acquire.abort(signal?.reason);
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  let acquired = false;
  const stopWaiting = (): void => {
    timers.clearTimeout(timer);
    signal?.removeEventListener('abort', onCallerAbort);
  };
  try {
    return await locks.request(name, { signal: acquire.signal }, async () => {
      acquired = true;
      stopWaiting();
      const held: HeldLock = {
        signal: closed,
        confirm: async () => {
          if (closed.aborted) throw new LockError('lost', { cause: closed.reason });
        },
      };
      return fn(held);
    });
  } catch (error) {
    if (!acquired) {
      // The caller gave up (its own reason, as every store call does) or the acquire timeout ran out.
      if (acquire.signal.aborted) throw acquire.signal.reason;
      throw new LockError('unavailable', { cause: error });
    }
    throw error;
  } finally {
    stopWaiting();
  }
}
