import type { LockManagerLike } from '../src/index.ts';

/**
 * An exclusive lock shared by worker threads through one Int32 in a SharedArrayBuffer, with the Web Locks call shape
 * (`request(name, { signal }, callback)`). The Node layer uses it instead of Node 24's `navigator.locks`, which loses
 * wake-ups across worker threads: 8 threads taking one lock 20 times each (2 ms held) did not finish within 15 s,
 * with or without polling `query()` (measured 2026-12-02, Node 24.21). Waiting uses `Atomics.waitAsync`, so a
 * waiting thread keeps running its event loop; the real Web Locks are exercised in Chromium.
 */
export const createSharedLockBuffer = (): SharedArrayBuffer => new SharedArrayBuffer(4);

/** `Atomics.waitAsync` (ES2024; the project's lib is ES2023). */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { readonly async: boolean; readonly value: unknown };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export function sharedLocks(buffer: SharedArrayBuffer): LockManagerLike {
  const word = new Int32Array(buffer);
  return {
    async request(_name, options, callback) {
      const { signal } = options;
      for (;;) {
        signal?.throwIfAborted();
        if (Atomics.compareExchange(word, 0, 0, 1) === 0) break;
        const wait = waitAsync(word, 0, 1, 50);
        if (wait.async) await wait.value;
      }
      try {
        return await callback(undefined);
      } finally {
        Atomics.store(word, 0, 0);
        Atomics.notify(word, 0);
      }
    },
  };
}
