/**
 * A fake "shared" store for manager tests: what several processes would share (versions checked on every write,
 * a lock with a signal and confirm, subscribers told of writes), in memory, with faults the test can switch on.
 */
import { StoreConflictError, StoreError } from '../../src/errors.ts';
import type { HeldLock, StoreCallOptions, StoreClearOptions, TokenSet, TokenStore } from '../../src/types.ts';

export interface SharedStore extends TokenStore {
  current(): TokenSet | undefined;
  /** What another process does: writes (version + 1) and tells the subscribers (unless `silent`). */
  writeElsewhere(tokens: Omit<TokenSet, 'version'>, silent?: boolean): TokenSet;
  /** What another process's logout does: clears and tells the subscribers. */
  clearElsewhere(): void;
  readonly calls: { get: number; set: number; clear: number; lock: number; confirm: number };
  readonly subscribers: number;
  /** The next `count` reads reject. */
  failReads(count: number): void;
  /** The next read never settles (unless its signal aborts). */
  hangNextRead(): void;
  /** The next write never settles (unless its signal aborts); with `land`, it lands when aborted (a late write). */
  hangNextWrite(land?: boolean): void;
  /** The lock currently held is lost (its signal fires). */
  loseLock(): void;
  /** Runs inside the lock, after the holder's `fn` was entered but before it returns: what the holder saw. */
  readonly lockLog: string[];
}

const never = <T>(signal: AbortSignal | undefined, onAbort?: () => void): Promise<T> =>
  new Promise<T>((_, reject) => {
    signal?.addEventListener(
      'abort',
      () => {
        onAbort?.();
        reject(signal.reason);
      },
      { once: true },
    );
  });

export function sharedStore(initial?: TokenSet): SharedStore {
  let current = initial === undefined ? undefined : { ...initial };
  const listeners = new Set<(tokens: TokenSet | undefined) => void>();
  const calls = { get: 0, set: 0, clear: 0, lock: 0, confirm: 0 };
  let readFailures = 0;
  let hangRead = false;
  let hangWrite: { land: boolean } | undefined;
  let held: AbortController | undefined;
  const lockLog: string[] = [];
  const notify = (tokens: TokenSet | undefined): void => {
    for (const listener of [...listeners]) listener(tokens === undefined ? undefined : { ...tokens });
  };
  const write = (tokens: TokenSet): void => {
    const stored = current?.version ?? 0;
    if (tokens.version !== undefined && tokens.version <= stored) {
      throw new StoreConflictError(tokens.version, stored);
    }
    current = { ...tokens };
  };
  let queue: Promise<unknown> = Promise.resolve();
  const store: SharedStore = {
    async get(options?: StoreCallOptions) {
      calls.get += 1;
      if (readFailures > 0) {
        readFailures -= 1;
        throw new StoreError('EMFILE: too many open files', { cause: new Error('EMFILE') });
      }
      if (hangRead) {
        hangRead = false;
        return never(options?.signal);
      }
      return current === undefined ? undefined : { ...current };
    },
    async set(tokens, options?: StoreCallOptions) {
      calls.set += 1;
      if (hangWrite !== undefined) {
        const { land } = hangWrite;
        hangWrite = undefined;
        return never(options?.signal, () => {
          if (land)
            queue = queue
              .then(() => new Promise((r) => setTimeout(r, 5)))
              .then(() => {
                try {
                  write(tokens);
                } catch {
                  lockLog.push(`late write of version ${tokens.version} refused`);
                }
              });
        });
      }
      write(tokens);
    },
    async clear(options?: StoreClearOptions) {
      calls.clear += 1;
      const stored = current?.version ?? 0;
      if (options?.version !== undefined && stored > options.version) {
        throw new StoreConflictError(options.version, stored);
      }
      current = undefined;
    },
    async lock<T>(fn: (lock: HeldLock) => Promise<T>) {
      calls.lock += 1;
      const controller = new AbortController();
      held = controller;
      try {
        return await fn({
          signal: controller.signal,
          confirm: async () => {
            calls.confirm += 1;
            lockLog.push('confirm');
            controller.signal.throwIfAborted();
          },
        });
      } finally {
        held = undefined;
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    current: () => (current === undefined ? undefined : { ...current }),
    writeElsewhere(tokens, silent = false) {
      const next = { ...tokens, version: (current?.version ?? 0) + 1 };
      current = next;
      if (!silent) notify(next);
      return next;
    },
    clearElsewhere() {
      current = undefined;
      notify(undefined);
    },
    calls,
    get subscribers() {
      return listeners.size;
    },
    failReads(count) {
      readFailures = count;
    },
    hangNextRead() {
      hangRead = true;
    },
    hangNextWrite(land = false) {
      hangWrite = { land };
    },
    loseLock() {
      held?.abort(new Error('lease lost'));
    },
    lockLog,
  };
  return store;
}
