import { createTokenManager, type TokenManager } from '@tokenrelay/core';
import { createFakeClock, type FakeClock } from '@tokenrelay/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLedger, type Ledger } from './ledger.ts';

/**
 * A manager with 1 s tokens on a fake clock (lifetime trusted: 1 s, the core's floor, so due 500 ms after receipt
 * while in use).
 */
const setup = (
  proactive: boolean,
  expiresIn = 1,
): { clock: FakeClock; manager: TokenManager; ledger: Ledger } => {
  const clock = createFakeClock();
  let serial = 0;
  const now = clock.now();
  const initial = { accessToken: 'at_0', refreshToken: 'rt_0', issuedAt: now, expiresAt: now + 1_000 };
  const manager = createTokenManager({
    tokens: initial,
    clock,
    proactive,
    skewMs: 60_000,
    refresh: async () => {
      serial += 1;
      return { accessToken: `at_${serial}`, refreshToken: `rt_${serial}`, expiresIn };
    },
  });
  managers.push(manager);
  return { clock, manager, ledger: createLedger(manager, initial, 60_000, clock.now) };
};

const managers: TokenManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

describe('soak ledger', () => {
  it('counts one expiry per proactive refresh', async () => {
    // Refreshed tokens live 2 s (trusted 1.5 s, due 750 ms after receipt): refreshes nobody waits for are at least
    // 1 s apart (the storm guard), so each one is refreshed 1 s after the previous refresh, before it expires.
    const { clock, manager, ledger } = setup(true, 2);
    // Only tokens in use are refreshed ahead: a request uses each one.
    await manager.getAccessToken();
    await clock.advance(499); // the first token (1 s) is due at 500 ms
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 0, expiries: 0 });
    await clock.advance(1);
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 1, expiries: 1, lateTokens: 0 });
    for (let i = 0; i < 4; i += 1) {
      await manager.getAccessToken();
      await clock.advance(1_000);
    }
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 5, expiries: 5, lateTokens: 0 });
  });

  it('counts a due token that was not replaced yet, and a token that outlived its expiry', async () => {
    const { clock, manager, ledger } = setup(false);
    await clock.advance(1_200);
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 0, expiries: 1, lateTokens: 1 });
    await manager.getAccessToken();
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 1, expiries: 1, lateTokens: 1 });
  });

  it('shows refreshes of tokens that were not due: more refreshes than expiries', async () => {
    const { clock, manager, ledger } = setup(false);
    await clock.advance(100);
    await manager.refresh(); // no failed token: a forced refresh
    await manager.refresh();
    const totals = ledger.totals(clock.now());
    expect(totals).toMatchObject({ refreshes: 2, expiries: 0 });
    expect(totals.refreshes - totals.expiries).toBeGreaterThan(1);
  });
});
