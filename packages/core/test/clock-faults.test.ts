/**
 * Clock faults (issue "reliability and security suite", part 3): the wall clock steps forward and backward
 * (NTP, a suspended laptop, a VM restored from a snapshot) while timers run on monotonic time, as they do in
 * Node. `FakeClock.jump()` moves only the wall clock; `advance()` moves both and fires timers.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createTokenManager } from '../src/manager.ts';
import { createFakeClock, type FakeClock } from '../src/testing.ts';
import type { Clock, RefreshFunction, TimerHandle, TokenSet } from '../src/types.ts';
import { propertyParameters, timeoutFor } from './support/runs.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A server that always answers at once with a new token of `ttlMs`; the first tokens are given by setTokens(). */
async function setup(tokens: (now: number) => TokenSet, ttlMs = HOUR, clock: Clock = createFakeClock()) {
  let n = 1;
  const refresh = vi.fn<RefreshFunction>(async () => {
    n += 1;
    return { accessToken: `A${n}`, refreshToken: `R${n}`, expiresIn: ttlMs / 1000 };
  });
  const manager = createTokenManager({ refresh, clock, random: () => 0.5 });
  await manager.setTokens(tokens(clock.now()));
  return { manager, refresh };
}

const issuedNow =
  (ttlMs: number) =>
  (now: number): TokenSet => ({
    accessToken: 'A1',
    refreshToken: 'R1',
    issuedAt: now,
    expiresAt: now + ttlMs,
  });

describe('the wall clock steps backwards', () => {
  it('behind the time the token was issued: the token counts as expired, the next request waits for a new one', async () => {
    const clock = createFakeClock();
    const { manager, refresh } = await setup(issuedNow(HOUR), HOUR, clock);
    clock.jump(-10 * MINUTE);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(refresh).toHaveBeenCalledTimes(1);
    // The new token is stamped on the stepped clock: no refresh loop.
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('by less than the age of the token: the token is still used, without a refresh', async () => {
    const clock = createFakeClock();
    const { manager, refresh } = await setup(issuedNow(HOUR), HOUR, clock);
    await clock.advance(20 * MINUTE);
    clock.jump(-10 * MINUTE);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    expect(refresh).not.toHaveBeenCalled();
  });

  it('makes the proactive timer fire early; it re-arms and refreshes when the wall clock reaches the skew window', async () => {
    const clock = createFakeClock();
    // 2 minutes of lifetime, 60 s of skew: the proactive refresh is due 60 s after issue.
    const { manager, refresh } = await setup(issuedNow(2 * MINUTE), HOUR, clock);
    await manager.getAccessToken(); // in use: the proactive timer is armed
    await clock.advance(40_000);
    clock.jump(-30_000); // the wall clock now reads issue + 10 s
    await clock.advance(20_000); // the timer fires (60 s monotonic) at wall issue + 30 s: too early
    expect(refresh).not.toHaveBeenCalled();
    expect(clock.pending).toBeGreaterThan(0);
    await clock.advance(29_999);
    expect(refresh).not.toHaveBeenCalled();
    await clock.advance(1);
    expect(refresh).toHaveBeenCalledTimes(1);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
  });

  it('while a refresh is under way: the new tokens are stamped on arrival and used without another refresh', async () => {
    const clock = createFakeClock();
    let release: () => void = () => {};
    const refresh = vi.fn<RefreshFunction>(async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { accessToken: 'A2', refreshToken: 'R2', expiresIn: 3600 };
    });
    const manager = createTokenManager({ tokens: issuedNow(-1)(clock.now()), refresh, clock });
    const waiting = manager.getAccessToken();
    await clock.advance(0);
    clock.jump(-HOUR);
    release();
    await expect(waiting).resolves.toMatchObject({ token: 'A2' });
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});

describe('the wall clock steps forward', () => {
  it('past expiry, before any timer fired: the next request refreshes, and the old timer does not refresh again', async () => {
    const clock = createFakeClock();
    const { manager, refresh } = await setup(issuedNow(HOUR), HOUR, clock);
    await manager.getAccessToken(); // in use: the first token's timer is armed
    clock.jump(2 * HOUR);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
    expect(refresh).toHaveBeenCalledTimes(1);
    await clock.advance(2_000);
    await manager.getAccessToken(); // a request after the refresh: the new token is in use too
    // The first token's timer (59 min monotonic) was replaced by the new token's (59 min from now).
    await clock.advance(58 * MINUTE);
    expect(refresh).toHaveBeenCalledTimes(1);
    await clock.advance(2 * MINUTE);
    expect(refresh).toHaveBeenCalledTimes(2);
  });

  it('into the skew window: the request goes out at once with the current token, the refresh runs behind it', async () => {
    const clock = createFakeClock();
    const { manager, refresh } = await setup(issuedNow(HOUR), HOUR, clock);
    clock.jump(HOUR - 30_000);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    expect(refresh).toHaveBeenCalledTimes(1);
    await clock.advance(0);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A2' });
  });
});

describe('the proactive timer', () => {
  it('is armed for tokens given at creation once a request uses them, as it is for tokens set later', async () => {
    const clock = createFakeClock();
    const refresh = vi.fn<RefreshFunction>(async () => ({
      accessToken: 'A2',
      refreshToken: 'R2',
      expiresIn: 3600,
    }));
    const manager = createTokenManager({ tokens: issuedNow(2 * MINUTE)(clock.now()), refresh, clock });
    await manager.getAccessToken();
    // Due 60 s after issue (2 minutes of lifetime, skew clamped to half of it); no request in between.
    await clock.advance(60_000);
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});

/**
 * Node's timers take a 32-bit delay: "When delay is larger than 2147483647 or less than 1, the delay will be set
 * to 1" (Node.js docs, timers). This clock keeps that rule on top of the fake clock.
 */
function nodeLikeClock(): FakeClock & { readonly armed: () => number } {
  const fake = createFakeClock();
  let armed = 0;
  return Object.assign(Object.create(fake) as FakeClock, {
    setTimeout(callback: () => void, ms: number): TimerHandle {
      armed += 1;
      return fake.setTimeout(callback, ms > 2_147_483_647 || ms < 1 ? 1 : ms);
    },
    armed: () => armed,
  });
}

describe('long-lived tokens on a clock with 32-bit timers', () => {
  it('a 30-day token arms its proactive timer a bounded number of times, not once per millisecond', async () => {
    const clock = nodeLikeClock();
    const { manager, refresh } = await setup(issuedNow(30 * 24 * HOUR), HOUR, clock);
    await expect(manager.getAccessToken()).resolves.toMatchObject({ token: 'A1' });
    const before = clock.armed();
    await clock.advance(1_000);
    expect(refresh).not.toHaveBeenCalled();
    // One arm per 24.8 days at most would do; a timer that fires every millisecond spins the CPU for 30 days.
    expect(clock.armed() - before).toBeLessThanOrEqual(2);
    manager.dispose();
  });
});

type Step = { readonly kind: 'advance' | 'jump'; readonly share: number } | { readonly kind: 'get' };

/** Clock steps measured in token lifetimes, so that a run crosses expiries without firing thousands of timers. */
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), share: fc.double({ min: 0, max: 3, noNaN: true }) }),
  fc.record({ kind: fc.constant('jump' as const), share: fc.double({ min: -3, max: 3, noNaN: true }) }),
  fc.constant({ kind: 'get' as const }),
);

describe('any sequence of clock steps', () => {
  it(
    'never hands out a token that is expired or issued in the future on the wall clock, and never refreshes in a loop',
    async () => {
      const property = fc.asyncProperty(
        fc.constantFrom(2_000, 90_000, HOUR),
        fc.array(stepArb, { maxLength: 20 }),
        async (ttlMs, steps) => {
          const clock = createFakeClock();
          const { manager, refresh } = await setup(issuedNow(ttlMs), ttlMs, clock);
          let held: TokenSet | undefined;
          manager.on('tokens', (tokens) => {
            held = tokens;
          });
          held = issuedNow(ttlMs)(clock.now());
          const expectUsable = (token: string): void => {
            expect(token).toBe(held?.accessToken);
            expect(clock.now()).toBeGreaterThanOrEqual(held?.issuedAt ?? Number.NaN);
            expect(clock.now()).toBeLessThan(held?.expiresAt ?? Number.NaN);
          };
          for (const step of steps) {
            if (step.kind === 'advance') await clock.advance(Math.round(step.share * ttlMs));
            else if (step.kind === 'jump') clock.jump(Math.round(step.share * ttlMs));
            else expectUsable((await manager.getAccessToken()).token);
          }
          // With the clock standing still, two requests cost at most one refresh.
          const calls = refresh.mock.calls.length;
          expectUsable((await manager.getAccessToken()).token);
          expectUsable((await manager.getAccessToken()).token);
          expect(refresh.mock.calls.length - calls).toBeLessThanOrEqual(1);
          manager.dispose();
        },
      );
      await fc.assert(property, propertyParameters(1000));
    },
    timeoutFor(1000, 10),
  );
});
