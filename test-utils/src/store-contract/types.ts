import type { TokenStore } from '@tokenrelay/core';

/** One store under test, made fresh for each test. */
export interface StoreUnderTest {
  readonly store: TokenStore;
  /**
   * Another handle on the same tokens, as a second process or tab would open it (for a file store: another
   * `fileStore(path)`). Without it, the cross-handle checks run on `store` itself.
   */
  open?(): TokenStore | Promise<TokenStore>;
  /** Releases what the factory set up (temp directories, connections). */
  cleanup?(): void | Promise<void>;
}

export interface StoreContractOptions {
  /** The store offers `lock` (then it is checked); default false, and a store that has one anyway fails. */
  readonly lock?: boolean | undefined;
  /** The store offers `subscribe` (then it is checked); default false, as for `lock`. */
  readonly subscribe?: boolean | undefined;
  /** How long a single check may take, in ms. Default 10_000. */
  readonly timeoutMs?: number | undefined;
}
