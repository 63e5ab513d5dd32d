/**
 * `dispose()` leaves no timer behind at once, also while a store call is in flight (its store timeout timer goes
 * with the disposal, not a microtask later). Found by the pool property test (seed -1706753237): a proactive
 * refresh's store write was still bounded by a pending timer right after `pool.dispose()`.
 */
import { describe, expect, it } from 'vitest';
import { createTokenManager } from '../src/manager.ts';
import { createFakeClock } from '../src/testing.ts';
import type { TokenStore } from '../src/types.ts';

describe('dispose() with a store call in flight', () => {
  it('clears the store timeout timer synchronously', async () => {
    const clock = createFakeClock();
    const hanging: TokenStore = {
      get: async () => undefined,
      set: () => new Promise<void>(() => {}),
      clear: async () => {},
    };
    const manager = createTokenManager({
      store: hanging,
      refresh: async () => ({ accessToken: 'x', expiresIn: 60 }),
      clock,
    });
    const written = manager.setTokens({
      accessToken: 'A',
      refreshToken: 'R',
      expiresAt: clock.now() + 60_000,
    });
    written.catch(() => undefined);
    // Let the ordered write start: its store timeout timer is then pending.
    for (let i = 0; i < 5; i += 1) await Promise.resolve();
    expect(clock.pending).toBeGreaterThan(0);
    manager.dispose();
    expect(clock.pending).toBe(0);
  });
});
