import { StoreConflictError, StoreError, type TokenSet } from '@tokenrelay/core';
import type { StorageBackend } from './backend.ts';
import { isTokenRecord, toRecord, versionOf } from './record.ts';

const OBJECT_STORE = 'tokens';

export interface IndexedDbBackendOptions {
  readonly factory: IDBFactory;
  readonly databaseName: string;
  /** The record's key inside the database (one per grant). */
  readonly key: string;
}

type Step<T> = (store: IDBObjectStore, finish: (value: T) => void, fail: (error: Error) => void) => void;

/**
 * Tokens in one IndexedDB object store. Each call is one transaction: a write reads the stored version and puts the
 * new record inside the same `readwrite` transaction, so two tabs cannot both pass the version check. A transaction
 * the browser aborts (a page being hidden or closed, quota, a blocked upgrade) is a `StoreError`, never "no tokens".
 */
export function indexedDbBackend(options: IndexedDbBackendOptions): StorageBackend {
  const { factory, databaseName, key } = options;
  let opening: Promise<IDBDatabase> | undefined;
  let closed = false;

  const open = (): Promise<IDBDatabase> => {
    opening ??= new Promise<IDBDatabase>((resolve, reject) => {
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(databaseName, 1);
      } catch (error) {
        reject(new StoreError('IndexedDB could not be opened', { cause: error }));
        return;
      }
      request.onupgradeneeded = () => {
        if (!request.result.objectStoreNames.contains(OBJECT_STORE)) {
          request.result.createObjectStore(OBJECT_STORE);
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgrading or deleting the database: let it, and open again on the next call.
        db.onversionchange = () => {
          db.close();
          opening = undefined;
        };
        db.onclose = () => {
          opening = undefined;
        };
        resolve(db);
      };
      request.onerror = () =>
        reject(new StoreError('IndexedDB could not be opened', { cause: request.error }));
      request.onblocked = () =>
        reject(new StoreError('IndexedDB is blocked by another connection', { cause: request.error }));
    });
    // A failed open is not remembered: the next call tries again.
    opening.catch(() => {
      opening = undefined;
    });
    return opening;
  };

  const run = async <T>(
    mode: IDBTransactionMode,
    signal: AbortSignal | undefined,
    step: Step<T>,
  ): Promise<T> => {
    if (closed) throw new StoreError('The store is closed');
    signal?.throwIfAborted();
    const db = await open();
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      let transaction: IDBTransaction;
      try {
        transaction = db.transaction(OBJECT_STORE, mode);
      } catch (error) {
        opening = undefined;
        reject(new StoreError('IndexedDB transaction could not start', { cause: error }));
        return;
      }
      let value: { value: T } | undefined;
      let failure: Error | undefined;
      let abortedBySignal = false;
      const onAbort = (): void => {
        // Aborting the transaction undoes a write that was not committed yet: nothing changes behind the caller.
        abortedBySignal = true;
        try {
          transaction.abort();
        } catch {
          // Already finished: the outcome stands.
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      transaction.oncomplete = () => {
        signal?.removeEventListener('abort', onAbort);
        if (value !== undefined) resolve(value.value);
        else reject(failure ?? new StoreError('IndexedDB transaction ended without an answer'));
      };
      transaction.onabort = () => {
        signal?.removeEventListener('abort', onAbort);
        if (abortedBySignal) reject(signal?.reason);
        else
          reject(
            failure ?? new StoreError('IndexedDB transaction was aborted', { cause: transaction.error }),
          );
      };
      transaction.onerror = () => {
        failure ??= new StoreError('IndexedDB request failed', { cause: transaction.error });
      };
      try {
        step(
          transaction.objectStore(OBJECT_STORE),
          (result) => {
            value = { value: result };
          },
          (error) => {
            failure ??= error;
            transaction.abort();
          },
        );
      } catch (error) {
        failure ??= new StoreError('IndexedDB request failed', { cause: error });
        transaction.abort();
      }
    });
  };

  const readRecord = (
    store: IDBObjectStore,
    then: (stored: TokenSet | undefined) => void,
    fail: (e: Error) => void,
  ) => {
    const request = store.get(key);
    request.onsuccess = () => {
      const value: unknown = request.result;
      if (value === undefined) then(undefined);
      else if (isTokenRecord(value)) then(value);
      else fail(new StoreError('The stored tokens are not a token set'));
    };
  };

  return {
    read: (signal) =>
      run<TokenSet | undefined>('readonly', signal, (store, finish, fail) =>
        readRecord(store, (stored) => finish(stored === undefined ? undefined : toRecord(stored)), fail),
      ),
    write: (tokens, signal) =>
      run<void>('readwrite', signal, (store, finish, fail) => {
        const put = (): void => {
          store.put(toRecord(tokens), key).onsuccess = () => finish();
        };
        if (tokens.version === undefined) {
          put();
          return;
        }
        readRecord(
          store,
          (stored) => {
            if (stored !== undefined && versionOf(stored) >= tokens.version!) {
              fail(new StoreConflictError(tokens.version, versionOf(stored)));
            } else put();
          },
          fail,
        );
      }),
    remove: (maxVersion, signal) =>
      run<void>('readwrite', signal, (store, finish, fail) => {
        const remove = (): void => {
          store.delete(key).onsuccess = () => finish();
        };
        if (maxVersion === undefined) {
          remove();
          return;
        }
        readRecord(
          store,
          (stored) => {
            if (stored !== undefined && versionOf(stored) > maxVersion) {
              fail(new StoreConflictError(maxVersion, versionOf(stored)));
            } else remove();
          },
          fail,
        );
      }),
    close() {
      closed = true;
      void opening?.then((db) => db.close()).catch(() => undefined);
      opening = undefined;
    },
  };
}
