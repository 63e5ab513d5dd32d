/**
 * Property-based fuzzing of `oauth2Refresh` (issue "reliability and security suite", part 2): arbitrary statuses,
 * headers and bodies (JSON or not, UTF-8 or not, echoing the secrets, delivered whole, in pieces, cut by a reset,
 * or aborted by the caller). Whatever arrives, the refresh function resolves with a well-formed result or
 * rejects with a `TokenEndpointError` (or exactly the caller's abort reason), and no error shows a secret.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isTokenRelayError, TokenEndpointError } from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { memoryStore } from '../src/memory-store.ts';
import { oauth2Refresh } from '../src/oauth2.ts';
import { createFakeClock } from '../src/testing.ts';
import type { RefreshFunction, RefreshResult } from '../src/types.ts';
import { numRuns, propertyParameters, timeoutFor } from './support/runs.ts';
import {
  CLIENT_SECRET,
  type Exchange,
  exchangeArb,
  LIMIT,
  OLD_ACCESS_TOKEN,
  REFRESH_TOKEN,
  responseOf,
  SECRETS,
} from './support/token-answers.ts';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on('unhandledRejection', onUnhandled);
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

/** Outcomes seen per property: each must turn up, or the generators do not reach what they claim to. */
const seen = new Map<string, number>();
const see = (label: string): void => {
  seen.set(label, (seen.get(label) ?? 0) + 1);
};
const expectSeen = (labels: readonly string[]): void => {
  if (process.env.FC_COVERAGE) console.log(Object.fromEntries(seen));
  const floor = Math.max(1, Math.floor(numRuns(1000) / 1000));
  for (const label of labels) expect.soft(seen.get(label) ?? 0, label).toBeGreaterThanOrEqual(floor);
};

const expectWellFormed = (result: RefreshResult): void => {
  expect(result.accessToken).toMatch(/^[\x21-\x7E]+$/);
  expect(result.tokenType).toBe('Bearer');
  if (result.expiresIn !== undefined) {
    expect(Number.isFinite(result.expiresIn) && result.expiresIn > 0).toBe(true);
    expect(result.expiresIn).toBeLessThanOrEqual(10 * 365 * 24 * 3600);
  }
  if (result.refreshToken !== undefined) expect(result.refreshToken).not.toBe('');
};

const expectRedacted = (error: TokenEndpointError): void => {
  const shown = [
    error.message,
    String(error),
    JSON.stringify(error),
    inspect(error),
    inspect(error, { depth: 5 }),
  ];
  for (const text of shown) for (const secret of SECRETS) expect(text).not.toContain(secret);
};

/** oauth2Refresh over a fetch that plays `x`. */
const refreshFor = (x: Exchange): RefreshFunction =>
  oauth2Refresh({
    tokenEndpoint: 'https://auth.example.com/token',
    clientId: 'client',
    clientSecret: CLIENT_SECRET,
    fetch: (async () => {
      if (x.network === 'refused') throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      if (x.network === 'silent') return new Promise<Response>(() => {});
      return responseOf(x);
    }) as typeof fetch,
    timeoutMs: 25,
    maxResponseBytes: LIMIT,
  });

describe('oauth2Refresh under arbitrary answers', () => {
  it(
    'resolves with a well-formed result or rejects with a redacted TokenEndpointError or the abort reason',
    async () => {
      const property = fc.asyncProperty(exchangeArb, async (x) => {
        const refresh = refreshFor(x);
        const controller = new AbortController();
        const reason = new Error('caller gave up');
        if (x.abortAfterTicks !== undefined) {
          let ticks = x.abortAfterTicks;
          const tick = (): void => (ticks-- <= 0 ? controller.abort(reason) : queueMicrotask(tick));
          tick();
        }
        const outcome = await refresh({
          tokens: { accessToken: OLD_ACCESS_TOKEN, refreshToken: REFRESH_TOKEN },
          refreshToken: REFRESH_TOKEN,
          signal: controller.signal,
          now: () => Date.UTC(2026, 10, 1),
        }).then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        if (outcome.ok) {
          see('fuzz:success');
          expect(x.status >= 200 && x.status < 300).toBe(true);
          expectWellFormed(outcome.result);
          return;
        }
        if (outcome.error === reason) {
          see('fuzz:aborted');
          expect(controller.signal.aborted).toBe(true);
          return;
        }
        expect(outcome.error).toBeInstanceOf(TokenEndpointError);
        const error = outcome.error as TokenEndpointError;
        see(`fuzz:${error.kind}`);
        if (error.retryAfterMs !== undefined) see('fuzz:retry-after');
        if (/larger than/.test(error.message)) see('fuzz:over-limit');
        if (/timed out|within/.test(error.message)) see('fuzz:timeout');
        expect(['transient', 'terminal', 'config']).toContain(error.kind);
        if (error.retryAfterMs !== undefined) expect(error.retryAfterMs).toBeGreaterThanOrEqual(0);
        if (error.kind === 'terminal') expect(error.oauthError).toBe('invalid_grant');
        expectRedacted(error);
      });
      await fc.assert(property, propertyParameters(1000));
      expectSeen(
        ['success', 'aborted', 'transient', 'terminal', 'config', 'retry-after', 'over-limit', 'timeout'].map(
          (l) => `fuzz:${l}`,
        ),
      );
    },
    timeoutFor(1000, 20),
  );
});

describe('a manager refreshing against arbitrary answers', () => {
  it(
    'keeps the tokens in the store unless the answer was a terminal invalid_grant',
    async () => {
      const property = fc.asyncProperty(exchangeArb, async (x) => {
        const clock = createFakeClock();
        const tokens = {
          accessToken: OLD_ACCESS_TOKEN,
          refreshToken: REFRESH_TOKEN,
          issuedAt: clock.now() - 7_200_000,
          expiresAt: clock.now() - 1,
        };
        const store = memoryStore(tokens);
        const refresh = refreshFor(x);
        const failures: unknown[] = [];
        const manager = createTokenManager({ tokens, store, clock, refresh, retry: { attempts: 1 } });
        manager.on('refresh-failed', ({ error }) => failures.push(error));
        const outcome = await manager.getAccessToken().then(
          (token) => token,
          (error: unknown) => error,
        );
        const stored = await store.get();
        const failure = failures[0];
        if (failure === undefined) {
          see('manager:refreshed');
          expect(outcome).toMatchObject({ type: 'Bearer' });
          expect(stored?.accessToken).toBe((outcome as { token: string }).token);
        } else if (
          isTokenRelayError(failure, 'TOKEN_ENDPOINT') &&
          (failure as TokenEndpointError).kind === 'terminal'
        ) {
          see('manager:terminal');
          expect(stored).toBeUndefined();
        } else {
          see('manager:kept');
          expect(stored).toEqual(tokens);
        }
        manager.dispose();
      });
      await fc.assert(property, propertyParameters(1000));
      expectSeen(['manager:refreshed', 'manager:terminal', 'manager:kept']);
    },
    timeoutFor(1000, 10),
  );
});
