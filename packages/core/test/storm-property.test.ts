/**
 * Issue "every guarantee holds off the happy path", the storm property: over random refresh results (0, NaN,
 * seconds, past dates, tiny `expires_in`, transient failures) and random idle periods, the manager makes at most
 * one token call per second while no request waits; requests that come back to an expired token cause exactly
 * one refresh.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenEndpointError } from '../src/errors.ts';
import { createTokenManager } from '../src/manager.ts';
import { createFakeClock } from '../src/testing.ts';
import type { RefreshFunction, RefreshResult } from '../src/types.ts';
import { propertyParameters } from './support/runs.ts';

type Answer =
  | { readonly kind: 'expires-in'; readonly seconds: number }
  | { readonly kind: 'expires-at-ms'; readonly inMs: number }
  | { readonly kind: 'expires-at-seconds' }
  | { readonly kind: 'expires-at-past'; readonly agoMs: number }
  | { readonly kind: 'expires-at-nan' }
  | { readonly kind: 'unknown-expiry' }
  | { readonly kind: 'transient' };

const validAnswer: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({
    kind: fc.constant('expires-in' as const),
    seconds: fc.oneof(fc.constantFrom(0, 0.001, 0.5, 1, 2), fc.integer({ min: 0, max: 7200 })),
  }),
  fc.record({ kind: fc.constant('expires-at-ms' as const), inMs: fc.integer({ min: 1, max: 7_200_000 }) }),
);

const anyAnswer: fc.Arbitrary<Answer> = fc.oneof(
  validAnswer,
  fc.constant({ kind: 'expires-at-seconds' } as const),
  fc.record({ kind: fc.constant('expires-at-past' as const), agoMs: fc.integer({ min: 0, max: 100_000 }) }),
  fc.constant({ kind: 'expires-at-nan' } as const),
  fc.constant({ kind: 'unknown-expiry' } as const),
  fc.constant({ kind: 'transient' } as const),
);

type Command =
  | { readonly kind: 'burst'; readonly size: number }
  | { readonly kind: 'idle'; readonly ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('burst' as const), size: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('idle' as const),
    ms: fc.oneof(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 0, max: 7_200_000 })),
  }),
);

interface Call {
  readonly at: number;
  readonly waiting: number;
}

function world(answers: readonly Answer[]) {
  const clock = createFakeClock();
  const calls: Call[] = [];
  let n = 0;
  // Filled in below: the manager's waiting count when each call starts.
  let waiting = (): number => 0;
  const refresh: RefreshFunction = async () => {
    const now = clock.now();
    calls.push({ at: now, waiting: waiting() });
    const answer = answers[n % answers.length] as Answer;
    n += 1;
    const base: RefreshResult = { accessToken: `A${n}`, refreshToken: `R${n}` };
    switch (answer.kind) {
      case 'expires-in':
        return { ...base, expiresIn: answer.seconds };
      case 'expires-at-ms':
        return { ...base, expiresAt: now + answer.inMs };
      case 'expires-at-seconds':
        return { ...base, expiresAt: Math.floor(now / 1000) + 3600 };
      case 'expires-at-past':
        return { ...base, expiresAt: now - answer.agoMs };
      case 'expires-at-nan':
        return { ...base, expiresAt: Number.NaN };
      case 'unknown-expiry':
        return base;
      case 'transient':
        throw new TokenEndpointError('unavailable', { kind: 'transient', status: 503 });
    }
  };
  const manager = createTokenManager({
    tokens: {
      accessToken: 'A0',
      refreshToken: 'R0',
      issuedAt: clock.now() - 10_000,
      expiresAt: clock.now() - 1,
    },
    refresh,
    clock,
    random: () => 0.5,
    queue: { waitTimeoutMs: 30_000 },
  });
  waiting = () => manager.waiting;
  /** A burst of concurrent requests, driven until every one settled. */
  const burst = async (size: number): Promise<void> => {
    let settled = 0;
    for (let i = 0; i < size; i += 1) {
      manager.getAccessToken().then(
        () => (settled += 1),
        () => (settled += 1),
      );
    }
    for (let guard = 0; settled < size && guard < 200; guard += 1) await clock.advance(500);
    expect(settled).toBe(size);
  };
  return { clock, calls, manager, burst };
}

describe('token calls under random refresh results and idle periods (property)', () => {
  it('without waiting requests, at most one token call per second', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyAnswer, { minLength: 1, maxLength: 6 }),
        fc.array(command, { minLength: 1, maxLength: 12 }),
        async (answers, commands) => {
          const { clock, calls, manager, burst } = world(answers);
          for (const step of commands) {
            if (step.kind === 'burst') await burst(step.size);
            else await clock.advance(step.ms);
          }
          await clock.advance(60_000);
          manager.dispose();
          for (let i = 1; i < calls.length; i += 1) {
            const call = calls[i] as Call;
            if (call.waiting > 0) continue;
            const gap = call.at - (calls[i - 1] as Call).at;
            expect(gap, `call ${i} at +${call.at - (calls[0] as Call).at} ms`).toBeGreaterThanOrEqual(1000);
          }
        },
      ),
      propertyParameters(200),
    );
  }, 120_000);

  it('requests that come back to an expired token cause exactly one refresh', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(validAnswer, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 5 }),
        async (answers, bursts) => {
          const { clock, calls, manager, burst } = world(answers);
          for (const size of bursts) {
            // Long enough for any token above to expire, and for a proactive refresh of a used one to happen.
            await clock.advance(5 * 3_600_000);
            const before = calls.length;
            await burst(size);
            expect(calls.length - before).toBe(1);
          }
          manager.dispose();
        },
      ),
      propertyParameters(200),
    );
  }, 120_000);
});
