import { Worker } from 'node:worker_threads';
import { createOAuthServer, type ListeningOAuthServer, type OAuthServer } from '@tokenrelay/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserStore } from '../src/index.ts';
import { createSharedLockBuffer } from './shared-locks.ts';
import { createSharedStorageBuffer, sharedStorage } from './shared-storage.ts';
import type { RoundResult, TabData } from './tab-worker.ts';

const TABS = 8;
const CONCURRENCY = 20;
const EXPIRIES = 5;
const TTL_MS = 60_000;
const clockOffset = new SharedArrayBuffer(8);
const offset = new Float64Array(clockOffset);

let emu: OAuthServer;
let live: ListeningOAuthServer;

beforeAll(async () => {
  emu = createOAuthServer({ accessTokenTtlMs: TTL_MS, clock: { now: () => Date.now() + offset[0]! } });
  live = await emu.listen();
});
afterAll(async () => {
  await live?.close();
});

/** The worker's next message of `type`; bounded, and rejects when the worker fails or exits first. */
const nextMessage = <T>(worker: Worker, type: string, timeoutMs = 20_000): Promise<T> =>
  new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: { type: string }): void => {
      if (message.type !== type) return;
      done();
      resolve(message as T);
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`tab worker exited (${code}) before '${type}'`));
    };
    const timer = setTimeout(
      () => onError(new Error(`no '${type}' from a tab within ${timeoutMs} ms`)),
      timeoutMs,
    );
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });

describe('worker threads as tabs (shared lock, Node BroadcastChannel, shared storage)', () => {
  it(`${TABS} tabs x ${CONCURRENCY} concurrent requests x ${EXPIRIES} expiries: one token call per expiry, no reuse, no failure`, async () => {
    const buffer = createSharedStorageBuffer();
    const key = `workers-${process.pid}`;
    // The login: one tab stores the tokens the server issued; the others read them from the shared storage.
    const login = browserStore({
      storage: 'localstorage',
      localStorage: sharedStorage(buffer),
      key,
      visibility: null,
    });
    await login.set(emu.tokenSet());
    login.close();

    const data: TabData = {
      buffer,
      lockBuffer: createSharedLockBuffer(),
      clockOffset,
      key,
      tokenEndpoint: live.tokenEndpoint,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      apiOrigin: live.apiOrigin,
      concurrency: CONCURRENCY,
    };
    const workers = Array.from(
      { length: TABS },
      () => new Worker(new URL('./tab-worker.ts', import.meta.url), { workerData: data }),
    );
    try {
      await Promise.all(workers.map((worker) => nextMessage(worker, 'ready')));
      const rounds: RoundResult[][] = [];
      for (let expiry = 0; expiry <= EXPIRIES; expiry++) {
        // Time moves past the token's life for the server and every tab at once (a shared clock offset), so each
        // tab's next requests find the token expired at the same moment, however slowly the machine runs.
        if (expiry > 0) offset[0] = offset[0]! + TTL_MS + 1_000;
        rounds.push(
          await Promise.all(
            workers.map((worker) => {
              const done = nextMessage<RoundResult>(worker, 'round-done');
              worker.postMessage({ type: 'round' });
              return done;
            }),
          ),
        );
      }
      const failures = rounds.flat().flatMap((result) => result.failed);
      expect(failures).toEqual([]);
      expect(rounds.flat().reduce((sum, result) => sum + result.ok, 0)).toBe(
        TABS * CONCURRENCY * (EXPIRIES + 1),
      );
      expect(emu.counters.tokenCalls).toBe(EXPIRIES);
      expect(emu.counters.reuseDetections).toBe(0);
      // After each expiry every tab ends on the one token that refresh issued (serial 1 is the login's).
      rounds.forEach((round, expiry) => {
        for (const result of round) expect(result.tokenSerials.at(-1)).toBe(expiry + 1);
      });
    } finally {
      for (const worker of workers) worker.postMessage({ type: 'close' });
      await Promise.all(workers.map((worker) => worker.terminate()));
    }
  }, 60_000);
});
