import { StoreConflictError, StoreError, type TokenSet } from '@tokenrelay/core';
import type { StorageBackend } from './backend.ts';
import { isTokenRecord, toRecord, versionOf } from './record.ts';

/**
 * Tokens as JSON under one `localStorage` key (opt-in). Each call reads, compares and writes synchronously, so it is
 * atomic within a tab; across tabs the compare-and-set relies on the Web Lock the manager holds while it writes.
 * A value that cannot be parsed, or a storage that throws (quota, disabled storage), is a `StoreError`.
 */
export function localStorageBackend(storage: Storage, key: string): StorageBackend {
  const load = (): TokenSet | undefined => {
    let text: string | null;
    try {
      text = storage.getItem(key);
    } catch (error) {
      throw new StoreError('localStorage could not be read', { cause: error });
    }
    if (text === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new StoreError('The stored tokens are not valid JSON', { cause: error });
    }
    if (!isTokenRecord(value)) throw new StoreError('The stored tokens are not a token set');
    return toRecord(value);
  };
  const call = async <T>(signal: AbortSignal | undefined, body: () => T): Promise<T> => {
    signal?.throwIfAborted();
    return body();
  };
  return {
    read: (signal) => call(signal, load),
    write: (tokens, signal) =>
      call(signal, () => {
        if (tokens.version !== undefined) {
          const stored = load();
          if (stored !== undefined && versionOf(stored) >= tokens.version) {
            throw new StoreConflictError(tokens.version, versionOf(stored));
          }
        }
        try {
          storage.setItem(key, JSON.stringify(toRecord(tokens)));
        } catch (error) {
          throw new StoreError('localStorage could not be written', { cause: error });
        }
      }),
    remove: (maxVersion, signal) =>
      call(signal, () => {
        if (maxVersion !== undefined) {
          const stored = load();
          if (stored !== undefined && versionOf(stored) > maxVersion) {
            throw new StoreConflictError(maxVersion, versionOf(stored));
          }
        }
        try {
          storage.removeItem(key);
        } catch (error) {
          throw new StoreError('localStorage could not be written', { cause: error });
        }
      }),
    close() {},
  };
}
