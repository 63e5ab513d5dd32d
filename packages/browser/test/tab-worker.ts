/**
 * One browser "tab" as a worker thread: its own token manager and fetch adapter on a `browserStore` that shares the
 * lock, the BroadcastChannel (Node's works across worker threads) and the stored tokens with the other tabs. The
 * parent sends `{ type: 'round' }`; the tab sends back how its concurrent requests ended.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { browserStore } from '../src/index.ts';
import { sharedLocks } from './shared-locks.ts';
import { sharedStorage } from './shared-storage.ts';

export interface TabData {
  readonly buffer: SharedArrayBuffer;
  /** The grant's lock (see shared-locks.ts for why not Node's navigator.locks). */
  readonly lockBuffer: SharedArrayBuffer;
  /** One float64: ms added to Date.now() by every tab and the server (the test moves time forward by a token's life). */
  readonly clockOffset: SharedArrayBuffer;
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

const store = browserStore({
  locks: sharedLocks(data.lockBuffer),
  storage: 'localstorage',
  localStorage: sharedStorage(data.buffer),
  key: data.key,
  visibility: null,
});
const offset = new Float64Array(data.clockOffset);
const manager = createTokenManager({
  store,
  clock: {
    now: () => Date.now() + offset[0]!,
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  },
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
