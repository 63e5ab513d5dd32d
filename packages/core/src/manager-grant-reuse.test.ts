/**
 * `getAccessToken` reuses the machine's last plain grant while the machine's `needsRefresh` says no refresh is due.
 * These cases keep the state object the same and change only the clock (or only the state), so a reuse that
 * outlived the machine's answer would show here.
 */
import { describe, expect, it, vi } from 'vitest';
import { createTokenManager } from './manager.ts';
import { createFakeClock } from './testing.ts';
import type { RefreshFunction } from './types.ts';

const TTL_MS = 600_000;
const SKEW_MS = 60_000;

const setup = () => {
  const clock = createFakeClock();
  const start = clock.now();
  let n = 1;
  const refresh = vi.fn<RefreshFunction>(async () => {
    n += 1;
    return { accessToken: `A${n}`, refreshToken: `R${n}`, expiresIn: TTL_MS / 1000 };
  });
  const manager = createTokenManager({
    tokens: { accessToken: 'A1', refreshToken: 'R1', issuedAt: start, expiresAt: start + TTL_MS },
    refresh,
    clock,
    skewMs: SKEW_MS,
    // No timer: only a request can notice that a refresh is due.
    proactive: false,
  });
  const reasons: string[] = [];
  manager.on('refresh', ({ reason }) => reasons.push(reason));
  /** Sets the wall clock to `time` (a step: no timer fires). */
  const at = (time: number): void => clock.jump(time - clock.now());
  return { clock, at, start, manager, refresh, reasons };
};

describe('getAccessToken: reuse of a plain grant', () => {
  it('hands out equal, frozen tokens while fresh, without a refresh', async () => {
    const { manager, refresh } = setup();
    const first = await manager.getAccessToken();
    const again = await manager.getAccessToken();
    expect(again).toEqual({ token: 'A1', type: 'Bearer' });
    expect(first).toEqual(again);
    expect(Object.isFrozen(again)).toBe(true);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('hands the requests that waited for a refresh one frozen token', async () => {
    const { at, start, manager, refresh } = setup();
    at(start + TTL_MS);
    const waited = await Promise.all([manager.getAccessToken(), manager.getAccessToken()]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(waited[0]).toEqual({ token: 'A2', type: 'Bearer' });
    expect(waited[1]).toBe(waited[0]);
    expect(Object.isFrozen(waited[0])).toBe(true);
  });

  it('stops at the skew window: the next request starts the proactive refresh', async () => {
    const { clock, at, start, manager, refresh, reasons } = setup();
    await manager.getAccessToken();
    at(start + TTL_MS - SKEW_MS - 1);
    expect((await manager.getAccessToken()).token).toBe('A1');
    expect(refresh).not.toHaveBeenCalled();
    at(start + TTL_MS - SKEW_MS);
    // Still usable: the caller gets it at once, and the one refresh starts.
    expect((await manager.getAccessToken()).token).toBe('A1');
    expect(reasons).toEqual(['proactive']);
    await clock.advance(0);
    expect((await manager.getAccessToken()).token).toBe('A2');
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('stops at expiry and when the clock steps back before the issue time: the caller waits for a new token', async () => {
    const expired = setup();
    await expired.manager.getAccessToken();
    expired.at(expired.start + TTL_MS);
    expect((await expired.manager.getAccessToken()).token).toBe('A2');
    expect(expired.reasons).toEqual(['expired']);

    const stepped = setup();
    await stepped.manager.getAccessToken();
    stepped.at(stepped.start - 1);
    expect((await stepped.manager.getAccessToken()).token).toBe('A2');
    expect(stepped.reasons).toEqual(['expired']);
  });

  it('stops when the state changes: a 401 for the token, new tokens, clear', async () => {
    const { manager, refresh } = setup();
    await manager.getAccessToken();
    expect((await manager.refresh({ failedToken: 'A1' })).token).toBe('A2');
    expect((await manager.getAccessToken()).token).toBe('A2');
    expect(refresh).toHaveBeenCalledTimes(1);

    await manager.setTokens({ accessToken: 'B1', refreshToken: 'S1' });
    expect((await manager.getAccessToken()).token).toBe('B1');

    await manager.clear();
    await expect(manager.getAccessToken()).rejects.toMatchObject({ name: 'ReauthRequiredError' });
  });
});
