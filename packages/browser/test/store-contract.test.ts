/**
 * The shared `TokenStore` contract (test-utils) against `browserStore`: IndexedDB (fake-indexeddb), Node's Web Locks
 * within one thread, and a BroadcastChannel. `open()` is another tab on the same origin.
 */
import { runStoreContract } from '@tokenrelay/test-utils/store-contract';
import { IDBFactory } from 'fake-indexeddb';
import { type BrowserTokenStore, browserStore } from '../src/index.ts';

let grants = 0;

for (const storage of ['indexeddb', 'localstorage'] as const) {
  runStoreContract(
    `browserStore (${storage})`,
    () => {
      const indexedDB = new IDBFactory();
      const data = new Map<string, string>();
      const localStorage = {
        getItem: (key: string) => data.get(key) ?? null,
        setItem: (key: string, value: string) => void data.set(key, value),
        removeItem: (key: string) => void data.delete(key),
      } as unknown as Storage;
      const key = `contract-${process.pid}-${grants++}`;
      const opened: BrowserTokenStore[] = [];
      const open = (): BrowserTokenStore => {
        const store = browserStore({
          key,
          storage,
          indexedDB,
          localStorage,
          visibility: null,
          acquireTimeoutMs: 2_000,
        });
        opened.push(store);
        return store;
      };
      return {
        store: open(),
        open,
        cleanup: () => {
          for (const store of opened) store.close();
        },
      };
    },
    { lock: true, subscribe: true },
  );
}
