import type { TokenStore } from '@tokenrelay/core';

/** One store under test, made fresh for each test. */
export interface StoreUnderTest {
  readonly store: TokenStore;
  /**
   * Another handle on the same tokens, as a second process or tab would open it (for a file store: another
   * `fileStore(path)`). Without it, the cross-handle checks run on `store` itself.
   */
  open?(): TokenStore | Promise<TokenStore>;
  /**
   * Takes the lock away from whoever holds it, as another process would after the holder's lease ran out (for
   * stores with `lock`). With it, the contract checks that the holder learns it: `HeldLock.signal` fires and
   * `confirm()` rejects with `LockError('lost')`.
   */
  loseLock?(): Promise<void>;
  /** Releases what the factory set up (temp directories, connections). */
  cleanup?(): void | Promise<void>;
}

export interface StoreContractOptions {
  /** The store offers `lock` (then it is checked); default false, and a store that has one anyway fails. */
  readonly lock?: boolean | undefined;
  /** The store offers `subscribe` (then it is checked); default false, as for `lock`. */
  readonly subscribe?: boolean | undefined;
  /** The factory's subjects have `loseLock()`: check that a holder learns it lost the lock. Default false. */
  readonly loseLock?: boolean | undefined;
  /** How long a lock holder may take to notice it lost the lock (`HeldLock.signal`), in ms. Default 5_000. */
  readonly lockLossNoticeMs?: number | undefined;
  /** How long a single check may take, in ms. Default 10_000. */
  readonly timeoutMs?: number | undefined;
}
