/**
 * Tokens other processes wrote, taken into this manager: pushed by the store's `subscribe`, or read after a write
 * the store refused because it holds newer ones. A newer version is adopted without a refresh; a store that was
 * cleared clears this manager's tokens too.
 */
import type { MachineEvent } from './machine-types.ts';
import { isNewer } from './store-sync.ts';
import type { TokenSet, TokenStore } from './types.ts';
import { checkTokens } from './validate.ts';

export interface StoreFollower {
  /** Subscribes to the store's pushes, once (a store without `subscribe` pushes nothing). */
  start(): void;
  /** After a write or clear was refused because the store holds newer tokens: reads them and uses them. */
  adoptStored(): Promise<void>;
  stop(): void;
}

export function createStoreFollower(options: {
  readonly store: TokenStore;
  readonly read: () => Promise<TokenSet | undefined>;
  /** The tokens this manager holds now. */
  readonly current: () => TokenSet | undefined;
  readonly dispatch: (event: MachineEvent) => void;
  readonly stamp: (tokens: TokenSet) => TokenSet;
  readonly isDisposed: () => boolean;
  readonly onError: (error: Error) => void;
}): StoreFollower {
  const { store, dispatch } = options;
  let started = false;
  let unsubscribe: (() => void) | undefined;

  const adopt = (tokens: TokenSet | undefined): void => {
    if (options.isDisposed()) return;
    if (tokens === undefined) {
      if (options.current() !== undefined) dispatch({ type: 'cleared', source: 'store' });
      return;
    }
    if (isNewer(tokens, options.current()))
      dispatch({ type: 'tokens-set', tokens: options.stamp(tokens), source: 'store' });
  };

  return {
    start() {
      if (started || options.isDisposed()) return;
      started = true;
      if (store.subscribe === undefined) return;
      unsubscribe = store.subscribe((tokens) => {
        if (tokens === undefined) {
          adopt(undefined);
          return;
        }
        try {
          checkTokens(tokens, 'tokens pushed by the store');
          adopt(tokens);
        } catch (error) {
          options.onError(error as Error);
        }
      });
    },
    async adoptStored() {
      try {
        adopt(await options.read());
      } catch {
        // Reported by the read's own failure path; the tokens in memory stay.
      }
    },
    stop() {
      unsubscribe?.();
    },
  };
}
