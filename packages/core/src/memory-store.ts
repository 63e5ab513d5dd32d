import type { TokenSet, TokenStore } from './types.ts';

/**
 * The default store: tokens live in this object only and are gone when the process ends. Each call to
 * `memoryStore()` has its own state. Tokens are copied on the way in and out, so a caller that mutates the
 * object it passed or got back does not change what the store holds.
 */
export function memoryStore(initial?: TokenSet): TokenStore {
  let current: TokenSet | undefined = initial === undefined ? undefined : { ...initial };
  return {
    get: async () => (current === undefined ? undefined : { ...current }),
    set: async (tokens) => {
      current = { ...tokens };
    },
    clear: async () => {
      current = undefined;
    },
  };
}
