import { createTokenManager, type TokenManager } from '@tokenrelay/core';
import { createFakeClock, type FakeClock } from '@tokenrelay/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createLedger, type Ledger } from './ledger.ts';

/** A manager with 1 s tokens on a fake clock (lifetime trusted: 750 ms, so due 375 ms after receipt). */
const setup = (proactive: boolean): { clock: FakeClock; manager: TokenManager; ledger: Ledger } => {
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
      return { accessToken: `at_${serial}`, refreshToken: `rt_${serial}`, expiresIn: 1 };
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
    const { clock, ledger } = setup(true);
    await clock.advance(499); // the first token (1 s) is due at 500 ms
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 0, expiries: 0 });
    await clock.advance(1);
    expect(ledger.totals(clock.now())).toMatchObject({ refreshes: 1, expiries: 1, lateTokens: 0 });
    await clock.advance(375 * 4); // each next one is due 375 ms after it arrived
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
