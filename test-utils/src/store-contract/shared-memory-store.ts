import { type HeldLock, LockError, memoryStore, type TokenSet, type TokenStore } from '@tokenrelay/core';

export interface SharedMemoryStore {
  /** A new handle on the shared tokens, with `lock` and `subscribe`, as another process or tab would have. */
  open(): TokenStore;
  /** Takes the lock away from its holder: its `HeldLock.signal` fires and `confirm()` rejects (a lost lease). */
  loseLock(): void;
}

type Listener = (tokens: TokenSet | undefined) => void;

interface Holder {
  readonly lost: AbortController;
}

/**
 * Tokens shared by several handles in one process, with what a distributed store adds: a lock (FIFO, the acquire
 * bounded by the caller's signal) and `subscribe` (a handle hears the writes and clears made through the others).
 * Writes are fenced by the same rules as `memoryStore`. For tests of managers that coordinate through a store.
 */
export function sharedMemoryStore(initial?: TokenSet): SharedMemoryStore {
  const backing = memoryStore(initial);
  const listeners = new Map<symbol, { readonly handle: symbol; readonly listener: Listener }>();
  const queue: Array<() => void> = [];
  let holder: Holder | undefined;

  const publish = (from: symbol, tokens: TokenSet | undefined): void => {
    for (const { handle, listener } of [...listeners.values()]) {
      if (handle !== from) listener(tokens === undefined ? undefined : { ...tokens });
    }
  };

  const acquire = (signal: AbortSignal | undefined): Promise<Holder> =>
    new Promise<Holder>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const take = (): void => {
        signal?.removeEventListener('abort', onAbort);
        holder = { lost: new AbortController() };
        resolve(holder);
      };
      const onAbort = (): void => {
        const index = queue.indexOf(take);
        if (index >= 0) queue.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (holder === undefined) take();
      else queue.push(take);
    });

  const release = (held: Holder): void => {
    if (holder !== held) return;
    holder = undefined;
    queue.shift()?.();
  };

  return {
    open() {
      const id = Symbol('handle');
      return {
        get: (options) => backing.get(options),
        async set(tokens, options) {
          await backing.set(tokens, options);
          publish(id, tokens);
        },
        async clear(options) {
          await backing.clear(options);
          publish(id, undefined);
        },
        async lock(fn, options) {
          const held = await acquire(options?.signal);
          const lock: HeldLock = {
            signal: held.lost.signal,
            confirm: async () => {
              if (held.lost.signal.aborted || holder !== held) throw new LockError('lost');
            },
          };
          try {
            return await fn(lock);
          } finally {
            release(held);
          }
        },
        subscribe(listener) {
          // Deliveries skip the handle that wrote: it knows what it wrote.
          const key = Symbol('listener');
          listeners.set(key, { handle: id, listener });
          return () => {
            listeners.delete(key);
          };
        },
      };
    },
    loseLock() {
      if (holder === undefined) return;
      const lost = holder;
      lost.lost.abort(new LockError('lost'));
      release(lost);
    },
  };
}
