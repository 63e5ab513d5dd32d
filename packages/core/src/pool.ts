/**
 * Many users in one process: one token manager per grant, kept in a bounded LRU, disposed when idle.
 */
import { LRUCache } from 'lru-cache';
import { systemClock, unrefTimer } from './clock.ts';
import { ConfigurationError, DisposedError } from './errors.ts';
import { createTokenManager } from './manager.ts';
import { enforcesTimeoutMs, markEnforcesTimeoutMs } from './request-limit.ts';
import type { Clock, TimerHandle, TokenManager, TokenManagerOptions } from './types.ts';

export interface ManagerPoolOptions {
  /**
   * Makes the manager for `key`, or the options to make it with (the pool's clock is used unless they name
   * one). Called once per key while the pool holds it; again after the manager was evicted, so give it a `store`
   * that keeps the user's tokens (an evicted manager's in-memory tokens are gone with it).
   */
  create(key: string): TokenManager | TokenManagerOptions;
  /** Most managers held at once; the least recently used one beyond it is disposed. Default 1_000. */
  readonly max?: number | undefined;
  /** A manager not asked for (`get`) for this long is disposed. Default 600_000 ms; `Infinity`: never. */
  readonly idleMs?: number | undefined;
  /** Time and timers, injected so that tests can use a fake clock. Default: the system clock. */
  readonly clock?: Clock | undefined;
}

export interface ManagerPool {
  /** The manager for `key`, made by `create(key)` when the pool holds none. */
  get(key: string): TokenManager;
  /** Whether the pool holds a manager for `key`. Does not count as use. */
  has(key: string): boolean;
  /** Disposes and forgets the manager for `key` (its waiting requests get `DisposedError`); false if none. */
  delete(key: string): boolean;
  /** Managers held, including evicted ones still finishing a refresh (`draining`). */
  readonly size: number;
  /**
   * Evicted managers that were busy (refreshing, or with requests waiting) and finish before they are disposed. They
   * are on top of `max`: `size - draining` never exceeds `max`.
   */
  readonly draining: number;
  /** Disposes every manager and stops the pool's timer; `get` throws `DisposedError` afterwards. */
  dispose(): void;
}

interface Entry {
  readonly manager: TokenManager;
  /** What `get` hands out for this key (see `handleFor`). */
  readonly handle: TokenManager;
  lastUsed: number;
}

/** How often an evicted manager that was busy is checked again. */
const DRAIN_CHECK_MS = 250;

const busy = (manager: TokenManager): boolean => manager.state === 'refreshing' || manager.waiting > 0;

const isManager = (value: TokenManager | TokenManagerOptions): value is TokenManager =>
  typeof (value as Partial<TokenManager>).getAccessToken === 'function';

/**
 * A pool of token managers keyed by a string you build from **every** parameter that changes the token: the user
 * (or tenant), the client, the scope and the resource/audience, e.g. `${userId}|${clientId}|${scope}|${resource}`.
 * Two grants that share a key share a manager, and one user's request could carry the other's token.
 *
 * - Bounded: at most `max` managers; the least recently used one beyond it is disposed (its timers released).
 * - Idle managers (no `get` for `idleMs`) are disposed.
 * - Never mid-refresh: a manager that is refreshing or has requests waiting when it would be evicted is kept
 *   until it is done, and a `get` for its key in the meantime gets it back, so one grant never has two managers.
 */
export function createManagerPool(options: ManagerPoolOptions): ManagerPool {
  if (typeof options?.create !== 'function') {
    throw new ConfigurationError('createManagerPool: create must be a function');
  }
  const max = options.max ?? 1_000;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new ConfigurationError('createManagerPool: max must be a whole number >= 1');
  }
  const idleMs = options.idleMs ?? 600_000;
  if (typeof idleMs !== 'number' || Number.isNaN(idleMs) || idleMs <= 0) {
    throw new ConfigurationError('createManagerPool: idleMs must be a number of ms > 0, or Infinity');
  }
  const clock = options.clock ?? systemClock();
  const draining = new Map<string, Entry>();
  let disposed = false;
  let timer: { handle: TimerHandle; at: number } | undefined;

  const cache = new LRUCache<string, Entry>({
    max,
    dispose: (entry, key, reason) => {
      // Pushed out by a newer key while it still works for someone: finish first, dispose later.
      if (reason === 'evict' && busy(entry.manager)) {
        draining.set(key, entry);
        arm(clock.now() + DRAIN_CHECK_MS);
      } else {
        entry.manager.dispose();
      }
    },
  });

  const oldest = (): Entry | undefined => {
    for (const entry of cache.rvalues()) return entry;
    return undefined;
  };

  const arm = (at: number): void => {
    if (disposed || !Number.isFinite(at)) return;
    if (timer !== undefined) {
      if (timer.at <= at) return;
      clock.clearTimeout(timer.handle);
    }
    const handle = unrefTimer(clock.setTimeout(sweep, Math.max(0, at - clock.now())));
    timer = { handle, at };
  };

  const armNext = (): void => {
    if (draining.size > 0) arm(clock.now() + DRAIN_CHECK_MS);
    const entry = oldest();
    if (entry !== undefined) arm(entry.lastUsed + idleMs);
  };

  function sweep(): void {
    timer = undefined;
    if (disposed) return;
    for (const [key, entry] of draining) {
      if (!busy(entry.manager)) {
        draining.delete(key);
        entry.manager.dispose();
      }
    }
    const now = clock.now();
    const idle: string[] = [];
    // Least recently used first: stop at the first manager that was used within idleMs.
    for (const key of cache.rkeys()) {
      const entry = cache.peek(key);
      if (entry === undefined) continue;
      if (entry.lastUsed + idleMs > now) break;
      if (!busy(entry.manager)) idle.push(key);
    }
    for (const key of idle) cache.delete(key);
    armNext();
  }

  const make = (key: string): TokenManager => {
    const made = options.create(key);
    if (isManager(made)) return made;
    return createTokenManager({ ...made, clock: made.clock ?? clock });
  };

  /** The live manager for `key`: the held one (counts as use), an evicted one still finishing, or a new one. */
  const live = (key: string): TokenManager => {
    if (disposed) throw new DisposedError();
    if (typeof key !== 'string') throw new ConfigurationError('ManagerPool.get: key must be a string');
    return entryFor(key).manager;
  };

  const entryFor = (key: string): Entry => {
    const now = clock.now();
    const held = cache.get(key);
    if (held !== undefined) {
      held.lastUsed = now;
      return held;
    }
    const drained = draining.get(key);
    draining.delete(key);
    const entry: Entry = drained ?? { manager: make(key), handle: handleFor(key), lastUsed: now };
    entry.lastUsed = now;
    cache.set(key, entry);
    armNext();
    return entry;
  };

  /**
   * What `get` returns: every call goes to the pool's live manager for the key. A request that resolved its manager
   * before a burst of other users pushed it out of the pool (an eviction disposes it) still works: its next call
   * (the refresh after a 401, say) gets the manager the pool holds for that key now, made again from `create` (whose
   * store keeps the user's tokens) if need be, instead of a `DisposedError`.
   */
  const handleFor = (key: string): TokenManager => {
    const held = (): TokenManager | undefined => (cache.peek(key) ?? draining.get(key))?.manager;
    const call = <T>(use: (manager: TokenManager) => Promise<T>): Promise<T> => {
      try {
        return use(live(key));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    // The handle enforces `timeoutMs` when the pool's managers do (those `create` makes: any manager a user gives).
    return markEnforcesTimeoutMs(
      {
        getAccessToken: (opts) => call((manager) => manager.getAccessToken(opts)),
        // Counts as use of the key, as every other call does; a disposed pool has no token to give.
        peekAccessToken: () => (disposed ? undefined : entryFor(key).manager.peekAccessToken?.()),
        refresh: (opts) => call((manager) => manager.refresh(opts)),
        setTokens: (tokens) => call((manager) => manager.setTokens(tokens)),
        clear: () => call((manager) => manager.clear()),
        revoke: (opts) => call((manager) => manager.revoke(opts)),
        /** Disposes this key's manager and removes it from the pool (as `pool.delete(key)`). */
        dispose: () => {
          pool.delete(key);
        },
        get state() {
          return held()?.state ?? 'idle';
        },
        get waiting() {
          return held()?.waiting ?? 0;
        },
        on: (event, listener) => live(key).on(event, listener),
      },
      () => {
        // Not held (evicted): the next call makes a new one, which may be anything `create` returns.
        const manager = held();
        return manager !== undefined && enforcesTimeoutMs(manager);
      },
    );
  };

  const pool: ManagerPool = {
    get(key) {
      if (disposed) throw new DisposedError();
      if (typeof key !== 'string') throw new ConfigurationError('ManagerPool.get: key must be a string');
      return entryFor(key).handle;
    },
    has: (key) => cache.has(key) || draining.has(key),
    delete(key) {
      const drained = draining.get(key);
      if (drained !== undefined) {
        draining.delete(key);
        drained.manager.dispose();
        return true;
      }
      return cache.delete(key);
    },
    get size() {
      return cache.size + draining.size;
    },
    get draining() {
      return draining.size;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (timer !== undefined) clock.clearTimeout(timer.handle);
      timer = undefined;
      cache.clear();
      for (const entry of draining.values()) entry.manager.dispose();
      draining.clear();
    },
  };
  return pool;
}
