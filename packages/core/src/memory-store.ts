import { abortable, clearConflict, writeConflict } from './store-support.ts';
import type { StoreCallOptions, StoreClearOptions, TokenSet, TokenStore } from './types.ts';

/**
 * The default store: tokens live in this object only and are gone when the process ends. Each call to
 * `memoryStore()` has its own state. Tokens are copied on the way in and out, so a caller that mutates the
 * object it passed or got back does not change what the store holds.
 *
 * Writes are fenced like every store's: a `set` whose `tokens.version` is not above the stored version is refused
 * with `StoreConflictError` (an unversioned write is unconditional), and `clear({ version })` is refused while the
 * store holds newer tokens. A call whose `signal` is already aborted rejects with the signal's reason and changes
 * nothing. It has no `lock` and no `subscribe`: one process, one manager, nothing to coordinate with.
 */
export function memoryStore(initial?: TokenSet): TokenStore {
  let current: TokenSet | undefined = initial === undefined ? undefined : { ...initial };
  const run = <T>(options: StoreCallOptions | undefined, operation: () => T): Promise<T> => {
    try {
      options?.signal?.throwIfAborted();
      return abortable(Promise.resolve(operation()), options?.signal);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return {
    get: (options) => run(options, () => (current === undefined ? undefined : { ...current })),
    set: (tokens, options) =>
      run(options, () => {
        const conflict = writeConflict(current, tokens);
        if (conflict !== undefined) throw conflict;
        current = { ...tokens };
      }),
    clear: (options?: StoreClearOptions) =>
      run(options, () => {
        const conflict = clearConflict(current, options?.version);
        if (conflict !== undefined) throw conflict;
        current = undefined;
      }),
  };
}
