/**
 * Issue "every guarantee holds off the happy path", items 2 and 3 (manager side): a store that fails, hangs, or
 * answers late never costs the user their tokens, never wedges the manager, and a late write never replaces newer
 * tokens. Plus the coordination contract: lock (signal, confirm, re-read), versions, subscribe.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { isTokenRelayError, StoreError, WaitTimeoutError } from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { createFakeClock } from '../src/testing.ts';
import type { RefreshFunction, TokenSet, TokenStore } from '../src/types.ts';
import { sharedStore } from './support/shared-store.ts';

const HOUR = 3_600_000;

const rotating = () => {
  let n = 1;
  return vi.fn<RefreshFunction>(async ({ refreshToken }) => {
    n += 1;
    return { accessToken: `A${n}`, refreshToken: `R${n}-from-${refreshToken ?? 'none'}`, expiresIn: 3600 };
  });
};

const storedTokens = (now: number, extra: Partial<TokenSet> = {}): TokenSet => ({
  accessToken: 'A1',
  refreshToken: 'R1',
  issuedAt: now,
  expiresAt: now + HOUR,
  version: 1,
  ...extra,
});

describe('a failed store read', () => {
  it('is a StoreError for the request that needed it, never "no tokens": no clear, no reauth, the next request reads again', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now()));
    const refresh = rotating();
    const manager = createTokenManager({ store, refresh, clock });
    const reauth = vi.fn();
    manager.on('reauth-required', reauth);
    store.failReads(1);
    const first = await manager.getAccessToken().catch((error: unknown) => error);
    expect(isTokenRelayError(first, 'STORE')).toBe(true);
    expect(manager.state).not.toBe('reauth-required');
    await expect(manager.getAccessToken()).resolves.toEqual({ token: 'A1', type: 'Bearer' });
    expect(refresh).not.toHaveBeenCalled();
    expect(store.calls.clear).toBe(0);
    expect(reauth).not.toHaveBeenCalled();
    expect(store.current()?.refreshToken).toBe('R1');
  });

  it('a read that hangs is bounded by the request signal, the wait timeout and the store timeout', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now()));
    const manager = createTokenManager({
      store,
      refresh: rotating(),
      clock,
      storeTimeoutMs: 10_000,
      queue: { waitTimeoutMs: 2_000 },
    });
    store.hangNextRead();
    // The request's own signal.
    const controller = new AbortController();
    const aborted = manager.getAccessToken({ signal: controller.signal }).catch((error: unknown) => error);
    controller.abort(new Error('caller gave up'));
    expect(String(await aborted)).toContain('caller gave up');
    // The wait timeout.
    const timedOut = manager.getAccessToken().catch((error: unknown) => error);
    await clock.advance(2_000);
    expect(await timedOut).toBeInstanceOf(WaitTimeoutError);
    // The store timeout ends the read itself; the next request reads again and gets the token.
    await clock.advance(8_000);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    expect(store.calls.clear).toBe(0);
  });

  it('a read that hangs with no wait timeout ends with a StoreError after storeTimeoutMs', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now()));
    const manager = createTokenManager({
      store,
      refresh: rotating(),
      clock,
      storeTimeoutMs: 3_000,
      queue: { waitTimeoutMs: Number.POSITIVE_INFINITY },
    });
    store.hangNextRead();
    const pending = manager.getAccessToken().catch((error: unknown) => error);
    await clock.advance(3_000);
    const error = await pending;
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain('3000 ms');
  });

  it('tokens the store returns that are not header-safe are a StoreError that does not quote them', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { accessToken: 'evil\r\nX-Injected: 1' }));
    const manager = createTokenManager({ store, refresh: rotating(), clock });
    const error = await manager.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(JSON.stringify(error)).not.toContain('evil');
    expect((error as Error).message).toContain('accessToken');
    expect(store.calls.clear).toBe(0);
  });
});

describe('a write that hangs or lands late', () => {
  it('does not wedge the manager: the refresh completes after storeTimeoutMs, setTokens resolves, requests go on', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    const manager = createTokenManager({ store, refresh: rotating(), clock, storeTimeoutMs: 1_000 });
    const errors: Error[] = [];
    manager.on('store-error', ({ error }) => errors.push(error));
    store.hangNextWrite();
    const waiting = manager.getAccessToken();
    await clock.advance(1_000);
    await expect(waiting).resolves.toMatchObject({ token: 'A2' });
    expect(manager.state).toBe('idle');
    expect(errors.map((error) => error.name)).toEqual(['StoreError']);
    // The mutex was released: setTokens and later requests work.
    await manager.setTokens({ accessToken: 'U1', refreshToken: 'UR1', expiresAt: clock.now() + HOUR });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'U1' });
    expect(store.current()?.accessToken).toBe('U1');
  });

  it('a late write is refused by version and never replaces the newer tokens', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    const manager = createTokenManager({ store, refresh: rotating(), clock, storeTimeoutMs: 1_000 });
    store.hangNextWrite(true);
    const waiting = manager.getAccessToken();
    await clock.advance(1_000);
    await expect(waiting).resolves.toMatchObject({ token: 'A2' });
    await manager.setTokens({ accessToken: 'U1', refreshToken: 'UR1', expiresAt: clock.now() + HOUR });
    await sleep(30);
    expect(store.current()).toMatchObject({ accessToken: 'U1', refreshToken: 'UR1' });
  });

  it('every write carries the previous version + 1; a conflict adopts what the store holds', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1, version: 7 }));
    const refresh = rotating();
    const manager = createTokenManager({ store, refresh, clock });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(store.current()).toMatchObject({ accessToken: 'A2', version: 8 });
    // Another process wrote version 9 without telling (no subscription delivery): our next write conflicts.
    const set = store.set.bind(store);
    store.set = async (tokens, options) => {
      store.set = set;
      await set({ accessToken: 'B9', refreshToken: 'BR9', expiresAt: clock.now() + HOUR, version: 9 });
      return set(tokens, options);
    };
    await expect(manager.refresh({ failedToken: 'A2' })).resolves.toMatchObject({ token: 'B9' });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'B9' });
    expect(store.current()).toMatchObject({ accessToken: 'B9', version: 9 });
  });

  it('a terminal failure clears only the version it failed with', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1, version: 3 }));
    const { TokenEndpointError } = await import('../src/errors.ts');
    const clears: unknown[] = [];
    const clear = store.clear.bind(store);
    store.clear = async (options) => {
      clears.push(options?.version);
      return clear(options);
    };
    const manager = createTokenManager({
      store,
      clock,
      refresh: async () => {
        throw new TokenEndpointError('invalid_grant', { kind: 'terminal', oauthError: 'invalid_grant' });
      },
    });
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'ReauthRequiredError' });
    await clock.advance(0);
    expect(clears).toEqual([3]);
    expect(store.current()).toBeUndefined();
  });
});

describe('coordination through the store (lock, versions, subscribe)', () => {
  it('refreshes inside the lock and confirms it right before the refresh function runs', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    const refresh = vi.fn<RefreshFunction>(async () => {
      store.lockLog.push('refresh');
      return { accessToken: 'A2', refreshToken: 'R2', expiresIn: 3600 };
    });
    const manager = createTokenManager({ store, refresh, clock });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(store.calls.lock).toBe(1);
    expect(store.lockLog).toEqual(['confirm', 'refresh']);
  });

  it('after taking the lock, adopts newer stored tokens without refreshing', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    const refresh = rotating();
    const manager = createTokenManager({ store, refresh, clock });
    await manager.getAccessToken(); // A2 from our own refresh
    expect(refresh).toHaveBeenCalledTimes(1);
    // Another process refreshed while we waited for the lock; its notification has not arrived yet.
    const lock = store.lock!.bind(store);
    store.lock = (fn, options) => {
      store.writeElsewhere(
        { accessToken: 'X3', refreshToken: 'XR3', expiresAt: clock.now() + HOUR, issuedAt: clock.now() },
        true,
      );
      return lock(fn, options);
    };
    await expect(manager.refresh({ failedToken: 'A2' })).resolves.toMatchObject({ token: 'X3' });
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('compares versions and refresh tokens, not only access tokens: refreshes with the newest refresh token', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    const refresh = rotating();
    const manager = createTokenManager({ store, refresh, clock });
    // Another process rotated the refresh token of the same access token while we waited for the lock.
    const lock = store.lock!.bind(store);
    store.lock = (fn, options) => {
      store.lock = lock;
      store.writeElsewhere(
        { accessToken: 'A1', refreshToken: 'R9', expiresAt: clock.now() - 1, issuedAt: clock.now() },
        true,
      );
      return lock(fn, options);
    };
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(refresh.mock.calls[0]?.[0].refreshToken).toBe('R9');
    expect(store.current()).toMatchObject({ accessToken: 'A2', version: 3 });
  });

  it('aborts the refresh when the lock is lost; the failure is transient and retried', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    let seen: AbortSignal | undefined;
    let calls = 0;
    const refresh = vi.fn<RefreshFunction>(async ({ signal }) => {
      calls += 1;
      if (calls === 1) {
        seen = signal;
        store.loseLock();
        signal.throwIfAborted();
      }
      return { accessToken: 'A2', refreshToken: 'R2', expiresIn: 3600 };
    });
    const manager = createTokenManager({ store, refresh, clock, random: () => 0 });
    const waiting = manager.getAccessToken();
    await clock.advance(5_000);
    await expect(waiting).resolves.toMatchObject({ token: 'A2' });
    expect(seen?.aborted).toBe(true);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('subscribes on first use, adopts tokens other processes write (waiters resolve, no refresh), unsubscribes on dispose', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now()));
    const refresh = rotating();
    const manager = createTokenManager({ store, refresh, clock });
    expect(store.subscribers).toBe(0);
    await manager.getAccessToken();
    expect(store.subscribers).toBe(1);
    store.writeElsewhere({
      accessToken: 'P2',
      refreshToken: 'PR2',
      expiresAt: clock.now() + HOUR,
      issuedAt: clock.now(),
    });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'P2' });
    expect(refresh).not.toHaveBeenCalled();
    // Another process logs out: this one is signed out too (no refresh, no second clear of the store).
    store.clearElsewhere();
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'ReauthRequiredError' });
    expect(store.calls.clear).toBe(0);
    expect(refresh).not.toHaveBeenCalled();
    manager.dispose();
    expect(store.subscribers).toBe(0);
  });

  it('a request waiting on a refresh in this process is served by tokens another process pushes', async () => {
    const clock = createFakeClock();
    const store = sharedStore(storedTokens(clock.now(), { expiresAt: clock.now() - 1 }));
    const refresh = vi.fn<RefreshFunction>(
      ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    const manager = createTokenManager({ store, refresh, clock });
    const waiting = manager.getAccessToken();
    await clock.advance(0);
    store.writeElsewhere({
      accessToken: 'P2',
      refreshToken: 'PR2',
      expiresAt: clock.now() + HOUR,
      issuedAt: clock.now(),
    });
    await expect(waiting).resolves.toMatchObject({ token: 'P2' });
  });
});

describe('a store without versions (the old contract) still works', () => {
  it('plain get/set/clear', async () => {
    const clock = createFakeClock();
    let held: TokenSet | undefined = storedTokens(clock.now(), {
      expiresAt: clock.now() - 1,
      version: undefined,
    });
    const store: TokenStore = {
      get: async () => held,
      set: async (tokens) => {
        held = tokens;
      },
      clear: async () => {
        held = undefined;
      },
    };
    const manager = createTokenManager({ store, refresh: rotating(), clock });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(held).toMatchObject({ accessToken: 'A2', version: 1 });
  });
});
