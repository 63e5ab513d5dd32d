import type { TokenSet } from '@tokenrelay/core';

/**
 * Where a browser store keeps its tokens. `write` and `remove` compare versions and change the record as one step
 * (a compare-and-set): `write` refuses with `StoreConflictError` when the stored version is >= the new one (an
 * unversioned write is unconditional); `remove(maxVersion)` refuses when the stored version is above `maxVersion`.
 * Every failure is a `StoreError`; an aborted `signal` rejects with its reason and leaves the record unchanged.
 */
export interface StorageBackend {
  read(signal?: AbortSignal): Promise<TokenSet | undefined>;
  write(tokens: TokenSet, signal?: AbortSignal): Promise<void>;
  remove(maxVersion: number | undefined, signal?: AbortSignal): Promise<void>;
  close(): void;
}
