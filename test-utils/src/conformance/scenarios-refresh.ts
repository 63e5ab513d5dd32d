/** Single-flight refresh under concurrency: burst, late 401s, waves, and a revoked refresh token. */
import { isReauthRequiredError, isTokenRelayError } from '@tokenrelay/core';
import { expect } from 'vitest';
import type { ApiEcho } from '../oauth-types.ts';
import { type SuiteContext, statuses } from './harness.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const all = (n: number, status: number): number[] => range(n).map(() => status);
const serialOf = (body: unknown): number | undefined => (body as Partial<ApiEcho>).tokenSerial;

export function refreshScenarios(s: SuiteContext): void {
  s.scenario(
    'burst',
    'burst: 200 concurrent requests, token expired on the server: 1 token call',
    async () => {
      const rig = await s.rig({ tokens: 'server-expired' });
      const results = await Promise.allSettled(
        range(200).map((i) => rig.client.request({ url: rig.api(`/items/${i}`) })),
      );
      expect(statuses(results)).toEqual(all(200, 200));
      expect(rig.emu.counters.tokenCalls).toBe(1);
      expect(rig.emu.counters.unauthorized).toBeGreaterThan(0);
      expect(rig.emu.counters.reuseDetections).toBe(0);
      // Every request ended up with the one new token (the server issued serial 1 at login, 2 at the refresh).
      const serials = results.map((r) => (r.status === 'fulfilled' ? serialOf(r.value.body) : undefined));
      expect(new Set(serials)).toEqual(new Set([2]));
    },
  );

  s.scenario(
    'burst',
    'burst: 200 concurrent requests, expiry known to the client: 1 token call, no 401',
    async () => {
      const rig = await s.rig({ tokens: 'expired' });
      const results = await Promise.allSettled(
        range(200).map((i) => rig.client.request({ url: rig.api(`/items/${i}`) })),
      );
      expect(statuses(results)).toEqual(all(200, 200));
      expect(rig.emu.counters.tokenCalls).toBe(1);
      expect(rig.emu.counters.unauthorized).toBe(0);
      expect(rig.emu.counters.apiRequests).toBe(200);
    },
  );

  s.scenario(
    'late-401s',
    'late 401s: 401s arriving after the refresh finished start no refresh',
    async () => {
      const rig = await s.rig({ tokens: 'server-expired' });
      // The first 100 API requests answer after 0..396 ms; the refresh takes a few ms.
      rig.emu.faults.apiLatency = (index) => (index < 100 ? index * 4 : 0);
      const results = await Promise.allSettled(
        range(100).map((i) => rig.client.request({ url: rig.api(`/late/${i}`) })),
      );
      expect(statuses(results)).toEqual(all(100, 200));
      expect(rig.emu.counters.tokenCalls).toBe(1);
      expect(rig.emu.counters.reuseDetections).toBe(0);
      // The premise: most of the 401s reached the client after the token call had been answered.
      const log = rig.emu.counters.requestLog;
      const refreshed = log.findIndex((r) => r.origin === rig.emu.authOrigin && r.status === 200);
      expect(refreshed).toBeGreaterThanOrEqual(0);
      const late = log
        .slice(refreshed + 1)
        .filter((r) => r.origin === rig.emu.apiOrigin && r.status === 401).length;
      expect(late).toBeGreaterThanOrEqual(50);
    },
  );

  s.scenario('waves', 'waves: 5 expiries x 50 concurrent requests: 5 token calls, 250 succeed', async () => {
    const rig = await s.rig({ tokens: 'fresh' });
    let succeeded = 0;
    for (const wave of range(5)) {
      rig.emu.expireAccessTokens();
      const results = await Promise.allSettled(
        range(50).map((i) => rig.client.request({ url: rig.api(`/wave/${wave}/${i}`) })),
      );
      expect(statuses(results)).toEqual(all(50, 200));
      succeeded += results.length;
      expect(rig.emu.counters.tokenCalls).toBe(wave + 1);
    }
    expect(succeeded).toBe(250);
    expect(rig.emu.counters.reuseDetections).toBe(0);
    expect(rig.emu.counters.successfulRefreshes).toBe(5);
  });

  s.scenario(
    'revoked-refresh-token',
    'revoked refresh token: all 20 reject with ReauthRequiredError, tokens cleared',
    async () => {
      const rig = await s.rig({ tokens: 'server-expired' });
      rig.emu.revokeGrant();
      expect(await rig.store.get()).toBeDefined();
      const results = await Promise.allSettled(
        range(20).map((i) => rig.client.request({ url: rig.api(`/revoked/${i}`) })),
      );
      expect(results.map((r) => r.status)).toEqual(range(20).map(() => 'rejected'));
      for (const result of results) {
        const error = rig.client.unwrapError(result.status === 'rejected' ? result.reason : undefined);
        expect(isReauthRequiredError(error)).toBe(true);
        // The cause is kept: the token endpoint's invalid_grant.
        const cause = (error as Error).cause;
        expect(isTokenRelayError(cause, 'TOKEN_ENDPOINT')).toBe(true);
        expect((cause as { oauthError?: unknown }).oauthError).toBe('invalid_grant');
      }
      expect(rig.emu.counters.tokenCalls).toBe(1);
      expect(rig.reauthEvents()).toBe(1);
      expect(await rig.store.get()).toBeUndefined();

      // The next request fails at once: no token call, nothing sent to the API.
      const apiBefore = rig.emu.counters.apiRequests;
      const started = Date.now();
      const next = await rig.client.request({ url: rig.api('/after') }).then(
        () => undefined,
        (error: unknown) => rig.client.unwrapError(error),
      );
      expect(isReauthRequiredError(next)).toBe(true);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(rig.emu.counters.tokenCalls).toBe(1);
      expect(rig.emu.counters.apiRequests).toBe(apiBefore);
      expect(rig.reauthEvents()).toBe(1);
    },
  );
}
