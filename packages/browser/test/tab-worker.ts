/**
 * One browser "tab" as a worker thread: its own token manager and fetch adapter on a `browserStore` that shares the
 * Web Lock (Node's navigator.locks works across worker threads), the BroadcastChannel and the stored tokens with
 * the other tabs. The parent sends `{ type: 'round' }`; the tab sends back how its concurrent requests ended.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { browserStore, type LockManagerLike } from '../src/index.ts';
import { sharedStorage } from './shared-storage.ts';

export interface TabData {
  readonly buffer: SharedArrayBuffer;
  readonly key: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiOrigin: string;
  readonly concurrency: number;
}

export interface RoundResult {
  readonly type: 'round-done';
  readonly ok: number;
  readonly failed: readonly string[];
  readonly tokenSerials: readonly number[];
}

const data = workerData as TabData;
const port = parentPort;
if (port === null) throw new Error('tab-worker runs as a worker thread');

/**
 * Node 24's navigator.locks grants a lock released in another thread only when the waiting thread next touches
 * the lock manager: an idle waiter can wait for seconds (measured: 2 of 8 threads got the lock within 3 s). Browsers
 * do not need this; here a waiting tab polls `query()` every 10 ms so that the wake-up comes at once.
 */
const nodeLocks: LockManagerLike = {
  async request(name, options, callback) {
    const poll = setInterval(() => void navigator.locks.query(), 10);
    let granted = false;
    try {
      return await navigator.locks.request(name, options, async (lock) => {
        granted = true;
        clearInterval(poll);
        return callback(lock);
      });
    } finally {
      if (!granted) clearInterval(poll);
    }
  },
};

const store = browserStore({
  locks: nodeLocks,
  storage: 'localstorage',
  localStorage: sharedStorage(data.buffer),
  key: data.key,
  visibility: null,
});
const manager = createTokenManager({
  store,
  refresh: oauth2Refresh({
    tokenEndpoint: data.tokenEndpoint,
    clientId: data.clientId,
    clientSecret: data.clientSecret,
  }),
});
const api = withTokenRefresh(fetch, manager, { origins: data.apiOrigin });

const round = async (): Promise<RoundResult> => {
  const failed: string[] = [];
  const serials: number[] = [];
  await Promise.all(
    Array.from({ length: data.concurrency }, async (_, i) => {
      try {
        const response = await api(`${data.apiOrigin}/items/${i}`);
        if (response.status !== 200) failed.push(`HTTP ${response.status}`);
        else serials.push(((await response.json()) as { tokenSerial: number }).tokenSerial);
      } catch (error) {
        failed.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }),
  );
  return { type: 'round-done', ok: serials.length, failed, tokenSerials: [...new Set(serials)] };
};

port.on('message', (message: { type: string }) => {
  if (message.type === 'round') {
    void round().then((result) => port.postMessage(result));
  } else if (message.type === 'close') {
    manager.dispose();
    store.close();
    port.close();
  }
});
port.postMessage({ type: 'ready' });
