import {
  isTokenRelayError,
  LockError,
  StoreConflictError,
  StoreError,
  type TokenSet,
} from '@tokenrelay/core';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { type BrowserStoreOptions, type BrowserTokenStore, browserStore } from './browser-store.ts';

const opened: BrowserTokenStore[] = [];
let keyCounter = 0;

/** Stores that share one IndexedDB, as the tabs of one origin do; each test gets its own grant key. */
const tabs = (count: number, options: BrowserStoreOptions = {}): BrowserTokenStore[] => {
  const indexedDB = new IDBFactory();
  const key = `grant-${process.pid}-${keyCounter++}`;
  return Array.from({ length: count }, () => {
    const store = browserStore({ indexedDB, key, visibility: null, ...options });
    opened.push(store);
    return store;
  });
};

const tokens = (version: number | undefined, access = `at-${String(version)}`): TokenSet => ({
  accessToken: access,
  refreshToken: `rt-${String(version)}`,
  expiresAt: 1_000_000,
  version,
});

const nextMessage = <T>(subscribe: (listener: (value: T) => void) => () => void): Promise<T> =>
  new Promise((resolve) => {
    const off = subscribe((value) => {
      off();
      resolve(value);
    });
  });

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

describe('browserStore: storage', () => {
  it('reads nothing, then what was written, as a copy', async () => {
    const [a, b] = tabs(2);
    expect(await a!.get()).toBeUndefined();
    const written = tokens(1);
    await a!.set(written);
    const read = await b!.get();
    expect(read).toEqual(written);
    expect(read).not.toBe(written);
  });

  it('refuses a write that is not newer than the stored version, and accepts a newer one', async () => {
    const [a] = tabs(1);
    await a!.set(tokens(2));
    await expect(a!.set(tokens(2, 'late'))).rejects.toBeInstanceOf(StoreConflictError);
    await expect(a!.set(tokens(1, 'stale'))).rejects.toMatchObject({ storedVersion: 2, attemptedVersion: 1 });
    expect((await a!.get())?.accessToken).toBe('at-2');
    await a!.set(tokens(3));
    expect((await a!.get())?.version).toBe(3);
  });

  it('lets exactly one of two tabs writing the same version at once win (compare-and-set in one transaction)', async () => {
    const [a, b] = tabs(2);
    await a!.set(tokens(1));
    const results = await Promise.allSettled([a!.set(tokens(2, 'from-a')), b!.set(tokens(2, 'from-b'))]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(StoreConflictError);
    const winner = results[0]!.status === 'fulfilled' ? 'from-a' : 'from-b';
    expect((await b!.get())?.accessToken).toBe(winner);
  });

  it('clears with a version only while the stored tokens are not newer; clears without one always', async () => {
    const [a] = tabs(1);
    await a!.set(tokens(3));
    await expect(a!.clear({ version: 2 })).rejects.toBeInstanceOf(StoreConflictError);
    expect((await a!.get())?.version).toBe(3);
    await a!.clear({ version: 3 });
    expect(await a!.get()).toBeUndefined();
    await a!.set(tokens(4));
    await a!.clear();
    expect(await a!.get()).toBeUndefined();
  });

  it('answers a failed read with a StoreError, never "no tokens"', async () => {
    const broken = {
      open() {
        throw new Error('disk I/O error');
      },
    } as unknown as globalThis.IDBFactory;
    const store = browserStore({ indexedDB: broken, visibility: null, channel: null });
    opened.push(store);
    const error = await store.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(isTokenRelayError(error, 'STORE')).toBe(true);
  });

  it('answers a record that is not a token set with a StoreError', async () => {
    const indexedDB = new IDBFactory();
    const [store] = tabs(1, { indexedDB });
    await store!.set(tokens(1));
    // Another script wrote garbage under the same key.
    const db = await new Promise<IDBDatabase>((resolve) => {
      const request = indexedDB.open('tokenrelay', 1);
      request.onsuccess = () => resolve(request.result);
    });
    await new Promise<void>((resolve) => {
      const tx = db.transaction('tokens', 'readwrite');
      tx.objectStore('tokens').put({ accessToken: 42 }, `grant-${process.pid}-${keyCounter - 1}`);
      tx.oncomplete = () => resolve();
    });
    db.close();
    await expect(store!.get()).rejects.toBeInstanceOf(StoreError);
  });

  it('rejects with the signal reason when aborted, and an aborted write changes nothing', async () => {
    const [a] = tabs(1);
    await a!.set(tokens(1));
    const reason = new Error('page hidden');
    await expect(a!.get({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const write = a!.set(tokens(2), { signal: controller.signal });
    controller.abort(reason);
    await expect(write).rejects.toBe(reason);
    expect((await a!.get())?.version).toBe(1);
  });

  it('keeps tokens in localStorage when asked, with the same version checks', async () => {
    const data = new Map<string, string>();
    const localStorage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    } as unknown as Storage;
    const [a, b] = tabs(2, { storage: 'localstorage', localStorage });
    await a!.set(tokens(1));
    expect(await b!.get()).toEqual(tokens(1));
    await expect(b!.set(tokens(1, 'late'))).rejects.toBeInstanceOf(StoreConflictError);
    data.set([...data.keys()][0]!, '{not json');
    await expect(a!.get()).rejects.toBeInstanceOf(StoreError);
  });
});

describe('browserStore: lock', () => {
  it('lets one tab at a time hold the lock for a grant', async () => {
    const [a, b] = tabs(2);
    const order: string[] = [];
    let release!: () => void;
    const held = a!.lock(async (lock) => {
      await lock.confirm();
      order.push('a in');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('a out');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const waiting = b!.lock(async () => {
      order.push('b in');
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual(['a in']);
    release();
    await Promise.all([held, waiting]);
    expect(order).toEqual(['a in', 'a out', 'b in']);
  });

  it('bounds the acquire by its timeout (LockError acquire-timeout) and by the caller signal (its reason)', async () => {
    const [a, b] = tabs(2, { acquireTimeoutMs: 50 });
    let release!: () => void;
    const held = a!.lock(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    let ran = false;
    const timedOut = await b!
      .lock(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(LockError);
    expect((timedOut as LockError).reason).toBe('acquire-timeout');
    const caller = new AbortController();
    const aborted = b!.lock(
      async () => {
        ran = true;
      },
      { signal: caller.signal },
    );
    const reason = new Error('request aborted');
    caller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(ran).toBe(false);
    release();
    await held;
    await expect(b!.lock(async () => 'now')).resolves.toBe('now');
  });

  it('reports a held lock lost when the store is closed', async () => {
    const [a] = tabs(1);
    const seen = await a!.lock(async (lock) => {
      a!.close();
      return { aborted: lock.signal.aborted, confirm: await lock.confirm().catch((e: unknown) => e) };
    });
    expect(seen.aborted).toBe(true);
    expect(seen.confirm).toMatchObject({ name: 'LockError', reason: 'lost' });
  });

  it('refuses to be silently uncoordinated without navigator.locks', () => {
    expect(() => browserStore({ indexedDB: new IDBFactory(), locks: null, visibility: null })).toThrow(
      /navigator\.locks is not available/,
    );
  });

  it("falls back to coordinating this page only with withoutLocks: 'single-tab', and says so", async () => {
    const [a] = tabs(1, { locks: null, withoutLocks: 'single-tab' });
    const events: string[] = [];
    a!.on((event) => events.push(event.type));
    const order: number[] = [];
    await Promise.all(
      [1, 2].map((n) =>
        a!.lock(async () => {
          order.push(n);
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 1, 2, 2]);
    expect(events).toEqual(['locks-unavailable']);
  });
});

describe('browserStore: channel and visibility', () => {
  it('pushes new tokens, logout and reauth-required to every other tab', async () => {
    const [a, b, c] = tabs(3);
    const events: string[] = [];
    c!.on((event) => events.push(event.type === 'remote-cleared' ? event.reason : event.type));
    const atB = nextMessage<TokenSet | undefined>((l) => b!.subscribe(l));
    const atC = nextMessage<TokenSet | undefined>((l) => c!.subscribe(l));
    await a!.set(tokens(5));
    expect(await atB).toEqual(tokens(5));
    expect(await atC).toEqual(tokens(5));
    const logout = nextMessage<TokenSet | undefined>((l) => c!.subscribe(l));
    await a!.clear();
    expect(await logout).toBeUndefined();
    const newer = nextMessage<TokenSet | undefined>((l) => c!.subscribe(l));
    await b!.set(tokens(6));
    expect((await newer)?.version).toBe(6);
    const reauth = nextMessage<TokenSet | undefined>((l) => c!.subscribe(l));
    await b!.clear({ version: 6 });
    expect(await reauth).toBeUndefined();
    expect(events).toEqual(['remote-tokens', 'logout', 'remote-tokens', 'reauth-required']);
  });

  it('re-reads when the page becomes visible and delivers tokens it missed', async () => {
    const listeners = new Set<() => void>();
    const page = {
      visibilityState: 'hidden',
      addEventListener: (_: string, l: () => void) => void listeners.add(l),
      removeEventListener: (_: string, l: () => void) => void listeners.delete(l),
    };
    const indexedDB = new IDBFactory();
    const key = `visible-${keyCounter++}`;
    const [hidden] = tabs(1, { indexedDB, key, visibility: page, channel: null });
    const [other] = tabs(1, { indexedDB, key, channel: null });
    await hidden!.set(tokens(1));
    await other!.set(tokens(2));
    const delivered = nextMessage<TokenSet | undefined>((l) => hidden!.subscribe(l));
    page.visibilityState = 'visible';
    for (const listener of listeners) listener();
    expect((await delivered)?.version).toBe(2);
  });
});
