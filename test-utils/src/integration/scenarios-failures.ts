/**
 * Failures against the real server: logout through RFC 7009, a wrong client secret, a 503 with Retry-After in
 * front of the token endpoint, and an answer lost after the provider rotated the refresh token.
 */
import {
  isReauthRequiredError,
  isTokenRelayError,
  type RefreshFailedError,
  type TokenEndpointError,
} from '@tokenrelay/core';
import { expect, it } from 'vitest';
import type { ConformanceResponse } from '../conformance/types.ts';
import { callUserinfo, postForm, refreshGrant } from '../real-server/test-support.ts';
import type { Rig, RigOptions } from './rig.ts';
import { afterServerExpiry, all, describeRun, errorsOf, outcomes, sleepUntil } from './support.ts';

/** Well below vitest's own timeout: a hang fails here, with this test's name. */
const TIMEOUT_MS = 10_000;

export interface FailureScenarioContext {
  rig(options?: RigOptions): Promise<Rig>;
}

/** A request made after the session ended: rejects at once with ReauthRequiredError, and sends nothing. */
const expectEndedSession = async (rig: Rig): Promise<void> => {
  const tokenCalls = rig.tokenCalls.length;
  const userinfoErrors = rig.server.events['userinfo.error'];
  const started = Date.now();
  const results = await rig.wave(10);
  expect(Date.now() - started).toBeLessThan(1_000);
  expect(outcomes(rig, results), describeRun(rig)).toEqual(all(10, 'ReauthRequiredError'));
  expect(rig.tokenCalls).toHaveLength(tokenCalls);
  // A request without a (valid) token would have been answered 401 by userinfo, counted as an error.
  expect(rig.server.events['userinfo.error']).toBe(userinfoErrors);
};

/** Every request rejected with RefreshFailedError('config') caused by the server's invalid_client. */
const expectInvalidClient = (
  rig: Rig,
  results: readonly PromiseSettledResult<ConformanceResponse>[],
): void => {
  expect(outcomes(rig, results), describeRun(rig)).toEqual(all(results.length, 'RefreshFailedError'));
  for (const error of errorsOf(rig, results)) {
    expect((error as RefreshFailedError).kind).toBe('config');
    const cause = (error as Error).cause;
    expect(isTokenRelayError(cause, 'TOKEN_ENDPOINT')).toBe(true);
    expect((cause as TokenEndpointError).oauthError).toBe('invalid_client');
    expect((cause as TokenEndpointError).kind).toBe('config');
  }
};

/** The user's tokens are still in the store and the grant still works with the right secret. */
const expectTokensKept = async (rig: Rig): Promise<void> => {
  const held = await rig.store.get();
  expect(held?.refreshToken === rig.login.refreshToken).toBe(true);
  expect(rig.reauthEvents()).toBe(0);
  expect(rig.server.events).toMatchObject({ 'refresh_token.consumed': 0, 'grant.revoked': 0 });
  expect((await refreshGrant(rig.server, rig.login.refreshToken)).status).toBe(200);
};

export function failureScenarios(s: FailureScenarioContext): void {
  it(
    'logout through RFC 7009: the grant is revoked at the server; later requests reject with ReauthRequiredError',
    async () => {
      const rig = await s.rig();
      expect(outcomes(rig, await rig.wave(3))).toEqual([200, 200, 200]);

      await rig.manager.revoke();
      expect(rig.revoked).toHaveLength(1);
      const [revoked] = rig.revoked;
      if (revoked?.refreshToken === undefined) throw new Error('revoke() was given no refresh token');
      expect(await rig.store.get()).toBeUndefined();
      expect(rig.server.events['grant.revoked']).toBe(1);
      // Dead at the server: the refresh token (it lives 14 days otherwise) and the access token of its grant.
      const introspected = await postForm(rig.server, rig.server.introspectionEndpoint, {
        token: revoked.refreshToken,
      });
      expect(introspected.body).toEqual({ active: false });
      expect((await refreshGrant(rig.server, revoked.refreshToken)).body.error).toBe('invalid_grant');
      expect((await callUserinfo(rig.server, revoked.accessToken)).status).toBe(401);

      await expectEndedSession(rig);
      // The user asked for it: logout is not announced as a lost session.
      expect(rig.reauthEvents()).toBe(0);
    },
    TIMEOUT_MS,
  );

  it(
    'wrong client secret, expiry known: requests reject with a configuration error; tokens are kept',
    async () => {
      const rig = await s.rig({ tokens: 'expired', wrongClientSecret: true });
      // The token call is slow, so that every request is waiting for it when it fails.
      rig.server.faults.tokenEndpoint.push({ type: 'latency', ms: 300 });
      const results = await rig.wave(10);
      expectInvalidClient(rig, results);
      expect(rig.tokenCalls.map((call) => call.status)).toEqual([401]);
      expect(rig.server.events['userinfo.error']).toBe(0);
      await expectTokensKept(rig);
    },
    TIMEOUT_MS,
  );

  it(
    'wrong client secret, 401 path: requests reject with a configuration error; tokens are kept',
    async () => {
      const rig = await s.rig({ tokens: 'unknown-expiry', wrongClientSecret: true });
      await sleepUntil(afterServerExpiry(rig.loginAt));
      // The token call is slow, so that every 401 has arrived while it runs.
      rig.server.faults.tokenEndpoint.push({ type: 'latency', ms: 300 });
      const results = await rig.wave(10);
      expectInvalidClient(rig, results);
      expect(rig.server.events['userinfo.error']).toBeGreaterThan(0);
      // One refresh for the 401s of one token, not one per request.
      expect(rig.tokenCalls.map((call) => call.status)).toEqual([401]);
      await expectTokensKept(rig);
    },
    TIMEOUT_MS,
  );

  it(
    'token endpoint 503 with Retry-After: 1: requests wait and succeed after the retry',
    async () => {
      const rig = await s.rig({ tokens: 'expired' });
      rig.server.faults.tokenEndpoint.push({ type: 'status', status: 503, retryAfterSeconds: 1 });
      const started = Date.now();
      const results = await rig.wave(20);
      const elapsed = Date.now() - started;
      expect(outcomes(rig, results), describeRun(rig)).toEqual(all(20, 200));
      expect(rig.tokenCalls.map((call) => call.status)).toEqual([503, 200]);
      const [first, second] = rig.tokenCalls;
      // Retry-After was honoured, and nothing waited much longer than it asked.
      expect((second?.startedAt ?? 0) - (first?.answeredAt ?? 0)).toBeGreaterThanOrEqual(990);
      expect(elapsed).toBeLessThan(4_000);
      expect(rig.server.events).toMatchObject({ 'grant.success': 1, 'grant.revoked': 0 });
      expect(rig.reusedRefreshTokens()).toBe(0);
    },
    TIMEOUT_MS,
  );

  for (const lost of [502, 'network-error'] as const) {
    it(
      `answer lost after rotation (${lost}): ReauthRequiredError, bounded token calls, no hang`,
      async () => {
        const rig = await s.rig({ tokens: 'expired' });
        rig.server.faults.tokenEndpoint.push({ type: 'lost-after-rotation', status: lost });
        const started = Date.now();
        const results = await rig.wave(20);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(outcomes(rig, results), describeRun(rig)).toEqual(all(20, 'ReauthRequiredError'));
        for (const error of errorsOf(rig, results)) {
          expect(isReauthRequiredError(error)).toBe(true);
          const cause = (error as Error).cause;
          expect((cause as TokenEndpointError).oauthError).toBe('invalid_grant');
        }
        // The lost answer, then one retry with the only refresh token the client had: the server saw a reuse.
        expect(rig.tokenCalls.map((call) => call.status)).toEqual([lost === 502 ? 502 : undefined, 400]);
        expect(rig.server.events).toMatchObject({ 'refresh_token.consumed': 1, 'grant.revoked': 1 });
        expect(rig.reauthEvents()).toBe(1);
        expect(await rig.store.get()).toBeUndefined();
        expect(rig.server.events['userinfo.error']).toBe(0);
        await expectEndedSession(rig);
        expect(rig.tokenCalls).toHaveLength(2);
      },
      TIMEOUT_MS,
    );
  }
}
