import { ConfigurationError, type HeldLock, type TokenSet, type TokenStore } from '@tokenrelay/core';
import type { StorageBackend } from './backend.ts';
import { type ChannelFactory, type ChannelLike, type ClearReason, parseMessage } from './channel.ts';
import { indexedDbBackend } from './indexeddb-backend.ts';
import { localStorageBackend } from './local-storage-backend.ts';
import { toRecord, versionOf } from './record.ts';
import { type LockManagerLike, runLocked, type TimerFunctions } from './web-lock.ts';

/** Something that says whether the page is visible and tells when that changes (`document`). */
export interface VisibilitySource {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

export interface BrowserStoreOptions {
  /** Names the grant: the Web Lock, the channel and the stored record. Default `'default'`. */
  readonly key?: string | undefined;
  /** Where tokens are kept. Default `'indexeddb'`; `'localstorage'` is opt-in. */
  readonly storage?: 'indexeddb' | 'localstorage' | undefined;
  /** Default `globalThis.indexedDB` (inject one in Node, e.g. `fake-indexeddb`). */
  readonly indexedDB?: IDBFactory | undefined;
  /** Default `'tokenrelay'`. */
  readonly databaseName?: string | undefined;
  /** Default `globalThis.localStorage`. */
  readonly localStorage?: Storage | undefined;
  /** Default `navigator.locks`. `null`: there is none (as on a page that is not a secure context). */
  readonly locks?: LockManagerLike | null | undefined;
  /**
   * What to do without `navigator.locks`: `'error'` (default) throws a `ConfigurationError` from `browserStore()`;
   * `'single-tab'` coordinates the managers of this page only (tabs may then refresh at the same time, which a
   * server with refresh-token rotation answers with a logout) and emits `locks-unavailable` on the first lock.
   */
  readonly withoutLocks?: 'error' | 'single-tab' | undefined;
  /** Default: `new BroadcastChannel(name)`. `null`: no channel (tabs then see each other's tokens only under the lock). */
  readonly channel?: ChannelFactory | null | undefined;
  /**
   * How long `lock()` waits for another tab's refresh before `LockError('acquire-timeout')`. Default 10_000 ms. The
   * caller's `signal` ends the wait too, with its reason.
   */
  readonly acquireTimeoutMs?: number | undefined;
  /** Default `globalThis.setTimeout`/`clearTimeout`. */
  readonly timers?: TimerFunctions | undefined;
  /** Default `globalThis.document`. `null`: no re-read when the page becomes visible. */
  readonly visibility?: VisibilitySource | null | undefined;
}

/** What the store tells the page, besides the tokens `subscribe` delivers. */
export type BrowserStoreEvent =
  /** Another tab wrote new tokens (delivered to `subscribe` listeners too). */
  | { readonly type: 'remote-tokens'; readonly version: number | undefined }
  /** Another tab removed the tokens: a logout, or a terminal refresh failure. */
  | { readonly type: 'remote-cleared'; readonly reason: ClearReason }
  /** `navigator.locks` is missing and the `single-tab` fallback is in use: tabs are not coordinated. */
  | { readonly type: 'locks-unavailable' }
  /** The page became visible and the stored tokens differed from the last ones this store knew. */
  | { readonly type: 'visible-reread'; readonly version: number | undefined };

/** A `TokenStore` for browsers: one refresh across tabs and workers of an origin. */
export interface BrowserTokenStore extends TokenStore {
  lock<T>(
    fn: (lock: HeldLock) => Promise<T>,
    options?: { readonly signal?: AbortSignal | undefined },
  ): Promise<T>;
  subscribe(listener: (tokens: TokenSet | undefined) => void): () => void;
  /** Listens to the store's events; returns an unsubscribe function. */
  on(listener: (event: BrowserStoreEvent) => void): () => void;
  /** Closes the channel, the database and the visibility listener; a held lock is reported lost. */
  close(): void;
}

const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;

const defaultLocks = (): LockManagerLike | undefined =>
  (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;

const defaultChannel = (): ChannelFactory | undefined =>
  typeof BroadcastChannel === 'function'
    ? (name) => new BroadcastChannel(name) as unknown as ChannelLike
    : undefined;

const defaultTimers = (): TimerFunctions => ({
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
});

function createBackend(options: BrowserStoreOptions, key: string): StorageBackend {
  if (options.storage === 'localstorage') {
    const storage = options.localStorage ?? (globalThis as { localStorage?: Storage }).localStorage;
    if (storage === undefined) throw new ConfigurationError('browserStore: localStorage is not available');
    return localStorageBackend(storage, `tokenrelay:${key}`);
  }
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) {
    throw new ConfigurationError('browserStore: IndexedDB is not available (pass `indexedDB`)');
  }
  return indexedDbBackend({ factory, databaseName: options.databaseName ?? 'tokenrelay', key });
}

/**
 * A `TokenStore` shared by every tab and worker of an origin: a Web Lock per grant so that one tab refreshes while
 * the others wait and then adopt its tokens, tokens in IndexedDB (or localStorage) with versioned writes, and a
 * BroadcastChannel that pushes new tokens, logout and reauth-required to every tab at once.
 */
export function browserStore(options: BrowserStoreOptions = {}): BrowserTokenStore {
  const key = options.key ?? 'default';
  const name = `tokenrelay:${key}`;
  const locks = options.locks === null ? undefined : (options.locks ?? defaultLocks());
  const withoutLocks = options.withoutLocks ?? 'error';
  if (locks === undefined && withoutLocks === 'error') {
    throw new ConfigurationError(
      'browserStore: navigator.locks is not available (not a secure context, or an old browser); ' +
        "tabs cannot be coordinated. Pass withoutLocks: 'single-tab' to accept that.",
    );
  }
  const backend = createBackend(options, key);
  const timers = options.timers ?? defaultTimers();
  const acquireTimeoutMs = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
  const closed = new AbortController();
  const subscribers = new Set<(tokens: TokenSet | undefined) => void>();
  const listeners = new Set<(event: BrowserStoreEvent) => void>();
  // The last tokens this store wrote, read or was told about: a re-read on visibility reports only a change.
  let known: { readonly present: boolean; readonly version: number } | undefined;
  let singleTabQueue: Promise<unknown> = Promise.resolve();
  let warnedNoLocks = false;

  const emit = (event: BrowserStoreEvent): void => {
    for (const listener of [...listeners]) listener(event);
  };
  const deliver = (tokens: TokenSet | undefined): void => {
    known = { present: tokens !== undefined, version: versionOf(tokens) };
    for (const subscriber of [...subscribers])
      subscriber(tokens === undefined ? undefined : toRecord(tokens));
  };

  const channelFactory = options.channel === null ? undefined : (options.channel ?? defaultChannel());
  const channel = channelFactory?.(name);
  if (channel !== undefined) {
    channel.onmessage = (event) => {
      const message = parseMessage(event.data);
      if (message === undefined) return;
      if (message.type === 'tokens') {
        emit({ type: 'remote-tokens', version: message.tokens.version });
        deliver(message.tokens);
      } else {
        emit({ type: 'remote-cleared', reason: message.reason });
        deliver(undefined);
      }
    };
  }
  const post = (message: unknown): void => {
    try {
      channel?.postMessage(message);
    } catch {
      // A closed channel: the other tabs still see the tokens under the lock.
    }
  };

  const visibility =
    options.visibility === null
      ? undefined
      : (options.visibility ?? (globalThis as { document?: VisibilitySource }).document);
  const onVisible = (): void => {
    if (visibility?.visibilityState !== 'visible' || closed.signal.aborted) return;
    backend.read().then(
      (tokens) => {
        const present = tokens !== undefined;
        if (known !== undefined && known.present === present && known.version === versionOf(tokens)) return;
        emit({ type: 'visible-reread', version: tokens?.version });
        deliver(tokens);
      },
      () => {
        // A failed read is not news: the manager keeps its tokens and reads again on its own.
      },
    );
  };
  visibility?.addEventListener('visibilitychange', onVisible);

  const remember = (tokens: TokenSet | undefined): void => {
    known = { present: tokens !== undefined, version: versionOf(tokens) };
  };

  return {
    async get(callOptions) {
      const tokens = await backend.read(callOptions?.signal);
      remember(tokens);
      return tokens;
    },
    async set(tokens, callOptions) {
      await backend.write(tokens, callOptions?.signal);
      remember(tokens);
      post({ type: 'tokens', tokens: toRecord(tokens) });
    },
    async clear(callOptions) {
      await backend.remove(callOptions?.version, callOptions?.signal);
      remember(undefined);
      post({ type: 'cleared', reason: callOptions?.version === undefined ? 'logout' : 'reauth-required' });
    },
    lock(fn, lockOptions) {
      if (locks !== undefined) {
        return runLocked(fn, {
          locks,
          name,
          acquireTimeoutMs,
          timers,
          signal: lockOptions?.signal,
          closed: closed.signal,
        });
      }
      if (!warnedNoLocks) {
        warnedNoLocks = true;
        emit({ type: 'locks-unavailable' });
      }
      const held: HeldLock = { signal: closed.signal, confirm: async () => {} };
      const run = singleTabQueue.then(() => fn(held));
      singleTabQueue = run.catch(() => undefined);
      return run;
    },
    subscribe(listener) {
      subscribers.add(listener);
      return () => {
        subscribers.delete(listener);
      };
    },
    on(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      if (closed.signal.aborted) return;
      closed.abort(new ConfigurationError('browserStore: the store was closed'));
      visibility?.removeEventListener('visibilitychange', onVisible);
      if (channel !== undefined) {
        channel.onmessage = null;
        channel.close();
      }
      subscribers.clear();
      listeners.clear();
      backend.close();
    },
  };
}
