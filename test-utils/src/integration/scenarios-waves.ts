/**
 * Single-flight refresh against the real server: 500 concurrent requests over 5 access-token expiries, with
 * refresh-token rotation and reuse detection on. A refresh token presented twice would revoke the grant; a wasted
 * refresh shows in the token-call count.
 */
import { expect, it } from 'vitest';
import type { Rig, RigOptions } from './rig.ts';
import {
  afterServerExpiry,
  all,
  describeRun,
  lastAnswer,
  outcomes,
  range,
  sleep,
  sleepUntil,
} from './support.ts';

const WAVES = 5;
const PER_WAVE = 100;
const LATE_TTL = 4;

export interface WaveScenarioContext {
  rig(options?: RigOptions): Promise<Rig>;
}

/** The server-side invariants of a run in which every refresh succeeded. */
const expectCleanRotation = async (rig: Rig): Promise<void> => {
  // Everything below is read in one tick, with no refresh under way.
  await rig.quiet();
  const calls = rig.tokenCalls.length;
  expect(rig.tokenCalls.map((call) => call.status)).toEqual(all(calls, 200));
  expect(rig.server.events).toMatchObject({
    'grant.success': calls,
    'refresh_token.consumed': calls,
    'grant.revoked': 0,
    'grant.error': 0,
  });
  expect(rig.reusedRefreshTokens()).toBe(0);
  expect(rig.maxInFlight()).toBe(1);
  expect(rig.reauthEvents()).toBe(0);
};

export function waveScenarios(s: WaveScenarioContext): void {
  it(`401 path: ${WAVES} expiries x ${PER_WAVE} concurrent requests, expiry unknown to the client: one token call per expiry`, async () => {
    const rig = await s.rig({ tokens: 'unknown-expiry' });
    const started = Date.now();
    let issuedBy = rig.loginAt;
    for (const wave of range(WAVES)) {
      // The token the client holds is now dead at the server; the client does not know.
      await sleepUntil(afterServerExpiry(issuedBy));
      const rejectedBefore = rig.server.events['userinfo.error'];
      const results = await rig.wave(PER_WAVE);
      expect(outcomes(rig, results), describeRun(rig)).toEqual(all(PER_WAVE, 200));
      // The premise: the server did reject the old token in this wave.
      expect(rig.server.events['userinfo.error']).toBeGreaterThan(rejectedBefore);
      expect(rig.tokenCalls).toHaveLength(wave + 1);
      issuedBy = lastAnswer(rig);
    }
    expect(rig.refreshReasons).toEqual(all(WAVES, 'unauthorized'));
    await expectCleanRotation(rig);
    // Bounded: 5 waves of about 2 s each.
    expect(Date.now() - started).toBeLessThan(WAVES * 2_000 + 5_000);
  }, 30_000);

  it(`defaults (expiry known, proactive refresh): ${WAVES} waves x ${PER_WAVE} requests, each after the previous token expired`, async () => {
    const rig = await s.rig({ tokens: 'fresh' });
    const started = Date.now();
    let previous: string | undefined = rig.login.accessToken;
    for (const _wave of range(WAVES)) {
      // Past the lifetime of the token the previous wave (or the login) left.
      await sleep(2_100);
      const results = await rig.wave(PER_WAVE);
      expect(outcomes(rig, results), describeRun(rig)).toEqual(all(PER_WAVE, 200));
      // The access token the previous wave used has expired since: the manager replaced it.
      const current = (await rig.store.get())?.accessToken;
      expect(current).toBeDefined();
      expect(current === previous).toBe(false);
      previous = current;
    }
    await expectCleanRotation(rig);
    const elapsed = Date.now() - started;
    // One refresh per wave (between waves nobody uses the token, so nothing is refreshed ahead), plus at most one
    // per wave for a 401 that raced a whole-second expiry.
    expect(rig.tokenCalls.length).toBeGreaterThanOrEqual(WAVES);
    expect(rig.tokenCalls.length).toBeLessThanOrEqual(2 * WAVES);
    expect(elapsed).toBeLessThan(WAVES * 2_100 + 6_000);
  }, 30_000);

  it('idle-aware refresh: 4 rounds x 100 requests 2.2 s apart with 2 s tokens: exactly 4 token calls, 400 ok', async () => {
    const rig = await s.rig({ tokens: 'fresh' });
    let ok = 0;
    for (const _round of range(4)) {
      // Between rounds nobody asks for a token: no refresh ahead of time for a token nobody uses.
      await sleep(2_200);
      const results = await rig.wave(PER_WAVE);
      expect(outcomes(rig, results), describeRun(rig)).toEqual(all(PER_WAVE, 200));
      ok += results.length;
    }
    await sleep(2_200);
    expect(ok).toBe(400);
    expect(rig.tokenCalls, describeRun(rig)).toHaveLength(4);
    await expectCleanRotation(rig);
  }, 30_000);

  it('late 401s (through a proxy that holds responses back): 401s answered after the refresh start no refresh', async () => {
    // 4 s tokens: the wave below, held back on purpose, ends well within the new token's life even on a slow machine.
    const rig = await s.rig({ tokens: 'unknown-expiry', delayProxy: true, accessTokenTtl: LATE_TTL });
    const proxy = rig.proxy;
    if (proxy === undefined) throw new Error('no proxy');
    await sleepUntil(afterServerExpiry(rig.loginAt, LATE_TTL));
    // The first responses are held back 0..396 ms; the refresh takes a few ms.
    proxy.delay = (index) => (index < PER_WAVE ? index * 4 : 0);
    const results = await rig.wave(PER_WAVE);
    expect(outcomes(rig, results), describeRun(rig)).toEqual(all(PER_WAVE, 200));
    expect(rig.tokenCalls).toHaveLength(1);
    // The premise: many 401s reached the client after the token call had been answered.
    const refreshedAt = lastAnswer(rig);
    const late = proxy.answered.filter(({ status, at }) => status === 401 && at > refreshedAt).length;
    expect(late).toBeGreaterThanOrEqual(PER_WAVE / 2);
    await expectCleanRotation(rig);
  }, 20_000);
}
