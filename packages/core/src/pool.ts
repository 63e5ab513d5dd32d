/**
 * Many users in one process: one token manager per grant, kept in a bounded LRU, disposed when idle.
 */
import { LRUCache } from 'lru-cache';
import { systemClock, unrefTimer } from './clock.ts';
import { ConfigurationError, DisposedError } from './errors.ts';
import { createTokenManager } from './manager.ts';
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
  /** Managers held, including evicted ones still finishing a refresh. */
  readonly size: number;
  /** Disposes every manager and stops the pool's timer; `get` throws `DisposedError` afterwards. */
  dispose(): void;
}

interface Entry {
  readonly manager: TokenManager;
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
  const draining = new Map<string, TokenManager>();
  let disposed = false;
  let timer: { handle: TimerHandle; at: number } | undefined;

  const cache = new LRUCache<string, Entry>({
    max,
    dispose: (entry, key, reason) => {
      // Pushed out by a newer key while it still works for someone: finish first, dispose later.
      if (reason === 'evict' && busy(entry.manager)) {
        draining.set(key, entry.manager);
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
    for (const [key, manager] of draining) {
      if (!busy(manager)) {
        draining.delete(key);
        manager.dispose();
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

  return {
    get(key) {
      if (disposed) throw new DisposedError();
      if (typeof key !== 'string') throw new ConfigurationError('ManagerPool.get: key must be a string');
      const now = clock.now();
      const entry = cache.get(key);
      if (entry !== undefined) {
        entry.lastUsed = now;
        return entry.manager;
      }
      const manager = draining.get(key) ?? make(key);
      draining.delete(key);
      cache.set(key, { manager, lastUsed: now });
      armNext();
      return manager;
    },
    has: (key) => cache.has(key) || draining.has(key),
    delete(key) {
      const drained = draining.get(key);
      if (drained !== undefined) {
        draining.delete(key);
        drained.dispose();
        return true;
      }
      return cache.delete(key);
    },
    get size() {
      return cache.size + draining.size;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (timer !== undefined) clock.clearTimeout(timer.handle);
      timer = undefined;
      cache.clear();
      for (const manager of draining.values()) manager.dispose();
      draining.clear();
    },
  };
}
