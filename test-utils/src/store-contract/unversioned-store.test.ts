/**
 * A store that still holds unversioned tokens (a token file written before versions, or by a plain `store.set()`),
 * and one failed write of refreshed tokens: memory then holds version 1 while the store keeps the old, rotated-away
 * tokens. The next refresh re-reads the store under the lock; the old unversioned tokens are not newer than version
 * 1, so the manager refreshes with its own refresh token and never presents the used one.
 */
import { createTokenManager, oauth2Refresh, StoreError, type TokenStore } from '@tokenrelay/core';
import { createFakeClock } from '@tokenrelay/core/testing';
import { expect, it } from 'vitest';
import { createOAuthServer } from '../oauth-server.ts';
import { sharedMemoryStore } from './shared-memory-store.ts';

it('a failed write next to unversioned stored tokens never makes the manager reuse a rotated refresh token', async () => {
  const clock = createFakeClock();
  const emu = createOAuthServer({ clock, accessTokenTtlMs: 60_000 });
  const shared = sharedMemoryStore(emu.tokenSet(clock)).open();
  let failNextSet = true;
  const store: TokenStore = {
    ...shared,
    get: (options) => shared.get(options),
    clear: (options) => shared.clear(options),
    async set(tokens, options) {
      if (failNextSet) {
        failNextSet = false;
        throw new StoreError('disk full');
      }
      return shared.set(tokens, options);
    },
  };
  const manager = createTokenManager({
    store,
    clock,
    proactive: false,
    refresh: oauth2Refresh({
      tokenEndpoint: emu.tokenEndpoint,
      clientId: emu.clientId,
      clientSecret: emu.clientSecret,
      fetch: emu.fetch,
    }),
  });
  try {
    await clock.advance(61_000);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ type: 'Bearer' });
    await clock.advance(61_000);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ type: 'Bearer' });
    expect(emu.counters.reuseDetections).toBe(0);
    expect(manager.state).not.toBe('reauth-required');
    // The second refresh's tokens reached the store.
    expect((await shared.get())?.version).toBeGreaterThanOrEqual(2);
  } finally {
    manager.dispose();
  }
});
