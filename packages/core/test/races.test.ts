/**
 * Deterministic replays of interleavings the model-based tests (model-interleavings.test.ts) found, each stated
 * as what a user would notice. Root cause of the first three: setTokens() writes the store before the new tokens
 * take effect, and in that window the manager still acts for the old ones (a refresh result is stored, a terminal
 * failure clears the store, a clear() is undone). The fourth: a refresh queued behind another one still calls
 * the refresh function after its signal was aborted. The fifth: store writes are not kept in call order.
 */
import { describe, expect, it, vi } from 'vitest';
import { ReauthRequiredError, TokenEndpointError } from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { memoryStore } from '../src/memory-store.ts';
import { createFakeClock } from '../src/testing.ts';
import type { RefreshContext, RefreshFunction, RefreshResult, TokenSet } from '../src/types.ts';
import { flush, gatedStore } from './support/gated-store.ts';

const clock = createFakeClock();
const NOW = clock.now();
const expired = (name: string): TokenSet => ({
  accessToken: `A-${name}`,
  refreshToken: `R-${name}`,
  issuedAt: NOW - 3_600_000,
  expiresAt: NOW - 1,
});
const fresh = (name: string): TokenSet => ({
  accessToken: `A-${name}`,
  refreshToken: `R-${name}`,
  issuedAt: NOW,
  expiresAt: NOW + 3_600_000,
});

/** A refresh function whose calls the test answers one by one; it ignores its signal unless asked not to. */
function manualRefresh() {
  const calls: Array<{
    context: RefreshContext;
    resolve: (result: RefreshResult) => void;
    reject: (error: unknown) => void;
  }> = [];
  const refresh = vi.fn<RefreshFunction>(
    (context) => new Promise<RefreshResult>((resolve, reject) => calls.push({ context, resolve, reject })),
  );
  return { refresh, calls };
}

const invalidGrant = (): TokenEndpointError =>
  new TokenEndpointError('rejected', { kind: 'terminal', status: 400, oauthError: 'invalid_grant' });

describe('setTokens() and clear() against work already under way', () => {
  it('setTokens() then clear(): the later call, the logout, wins', async () => {
    const store = gatedStore(fresh('old'));
    const manager = createTokenManager({ tokens: fresh('old'), refresh: vi.fn(), store, clock });
    const setting = manager.setTokens(fresh('new'));
    const clearing = manager.clear();
    await store.drain();
    await Promise.all([setting, clearing]);
    // The user logged out last: no token may be handed out any more, in memory or after a restart.
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(ReauthRequiredError);
    expect(store.current()).toBeUndefined();
  });

  it('a refresh that returns while setTokens() is being stored does not overwrite the new tokens in the store', async () => {
    const store = gatedStore(expired('A'));
    const { refresh, calls } = manualRefresh();
    const manager = createTokenManager({ tokens: expired('A'), refresh, store, clock });
    const waiting = manager.getAccessToken();
    await flush();
    expect(calls).toHaveLength(1);
    // The app switches to account B while account A's refresh is under way.
    const setting = manager.setTokens(fresh('B'));
    calls[0]?.resolve({ accessToken: 'A-A2', refreshToken: 'R-A2', expiresIn: 3600 });
    await flush();
    await store.drain();
    await setting;
    await expect(waiting).resolves.toMatchObject({ token: 'A-B' });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A-B' });
    // After a restart the app must come back as account B, not as account A.
    expect(store.current()?.accessToken).toBe('A-B');
  });

  it('a terminal failure that arrives while setTokens() is being stored does not erase the new tokens', async () => {
    const store = gatedStore(expired('A'));
    const { refresh, calls } = manualRefresh();
    const reauth = vi.fn();
    const manager = createTokenManager({ tokens: expired('A'), refresh, store, clock });
    manager.on('reauth-required', reauth);
    const waiting = manager.getAccessToken().catch((error: unknown) => error);
    await flush();
    // The user signs in again while the old grant's refresh is under way; then the old grant is rejected.
    const setting = manager.setTokens(fresh('B'));
    calls[0]?.reject(invalidGrant());
    await flush();
    await store.drain();
    await setting;
    await waiting;
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A-B' });
    expect(store.current()?.accessToken).toBe('A-B');
  });
});

describe('a refresh queued behind another one', () => {
  it('is not started after clear(): the logged-out refresh token is never sent', async () => {
    const { refresh, calls } = manualRefresh();
    const manager = createTokenManager({
      tokens: expired('A'),
      refresh,
      store: memoryStore(expired('A')),
      clock,
    });
    const first = manager.getAccessToken().catch((error: unknown) => error);
    await flush();
    expect(calls).toHaveLength(1);
    // New tokens that are already expired: their refresh queues behind the first one, which is still running.
    await manager.setTokens(expired('B'));
    await manager.clear();
    await first;
    calls[0]?.resolve({ accessToken: 'A-A2', refreshToken: 'R-A2', expiresIn: 3600 });
    await flush();
    // After the logout, the refresh function must not be asked to redeem B's refresh token.
    expect(refresh.mock.calls.map(([context]) => context.refreshToken)).toEqual(['R-A']);
  });
});

describe('a store whose operations may complete out of call order', () => {
  it('keeps the tokens set from a reauth-required listener, even if the old clear() completes last', async () => {
    const store = gatedStore(expired('A'));
    const manager = createTokenManager({
      tokens: expired('A'),
      refresh: () => Promise.reject(invalidGrant()),
      store,
      clock,
    });
    let setting: Promise<void> = Promise.resolve();
    manager.on('reauth-required', () => {
      // E.g. a silent sign-in that produces new tokens at once.
      setting = manager.setTokens(fresh('B'));
    });
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(ReauthRequiredError);
    // The store completes whatever is pending newest first: here the new tokens' write before the old clear.
    await store.drainNewestFirst();
    await setting;
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A-B' });
    expect(store.current()?.accessToken).toBe('A-B');
  });
});
