/**
 * Model-based tests of the token manager (issue "reliability and security suite", part 1). A run plays random
 * commands against a manager whose refresh function talks to a model of a rotating authorization server with
 * reuse detection; the fast-check scheduler decides when each server reply and each store write lands.
 *
 * Invariants (checked in support/harness.ts during and after every run):
 * - at most one refresh call is in flight at any moment;
 * - no refresh token reaches the server after the server redeemed it, unless the reply to that redemption was
 *   lost on the network (then its re-presentation is answered with invalid_grant and the family is revoked);
 *   no refresh token of an already revoked family is presented (same exception: the revocation's reply was
 *   lost); no refresh token the server never issued is presented;
 * - every request settles once the scheduler is drained and the clock moved past the wait timeout;
 * - a request only gets the token the manager holds at that moment, already persisted, never one a 401 was
 *   reported for, and (unless it is handed out the instant it arrives) unexpired and not issued in the future
 *   on the wall clock;
 * - once the tokens are lost (terminal failure or `clear()`), every request rejects with one and the same
 *   ReauthRequiredError (the one `reauth-required` announced), until new tokens are set;
 * - when the run is drained, the store holds exactly what the manager holds.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { commandArb, configArb, faultArb, runModel } from './support/model-commands.ts';
import type { ReplyFault } from './support/model-refresh.ts';
import { numRuns, propertyParameters, timeoutFor } from './support/runs.ts';

const RUNS = 1000;

/** How many runs exercised each path, per property: a property whose runs never reach a path proves nothing. */
const coverage = new Map<string, Map<string, number>>();

const property = (name: string, faults: fc.Arbitrary<readonly ReplyFault[]>) => {
  const counts = new Map<string, number>();
  coverage.set(name, counts);
  return fc.asyncProperty(
    fc.scheduler(),
    configArb(faults),
    fc.array(commandArb, { minLength: 1, maxLength: 40 }),
    async (scheduler, config, commands) => {
      const harness = await runModel(scheduler, config, commands);
      for (const label of harness.seen) counts.set(label, (counts.get(label) ?? 0) + 1);
      expect(harness.violations).toEqual([]);
    },
  );
};

/** Each path must be reached by at least this share of the runs. */
const expectCoverage = (name: string, labels: readonly string[]): void => {
  const counts = coverage.get(name) ?? new Map<string, number>();
  const floor = Math.max(1, Math.floor(numRuns(RUNS) / 1000));
  for (const label of labels) expect.soft(counts.get(label) ?? 0, label).toBeGreaterThanOrEqual(floor);
};

const COMMON = [
  'granted',
  'granted-refreshed',
  'refresh:expired',
  'refresh:proactive',
  'refresh:unauthorized',
  'late-401',
  '401-replayed',
  'aborted-waiter',
  'failed:WaitTimeoutError',
  'set-during-refresh',
  'clear-during-refresh',
  'failed:ReauthRequiredError',
];

describe('token manager under random interleavings (model-based)', () => {
  afterAll(() => {
    if (!process.env.FC_COVERAGE) return;
    for (const [name, counts] of coverage) console.log(name, Object.fromEntries([...counts].sort()));
  });

  it(
    'keeps every invariant with a well-behaved server',
    async () => {
      await fc.assert(property('ok', fc.constant(['ok'])), propertyParameters(RUNS));
      expectCoverage('ok', COMMON);
    },
    timeoutFor(RUNS, 15),
  );

  it(
    'keeps every invariant under transient, terminal, lost, hung and deaf replies',
    async () => {
      const faults = fc.array(faultArb, { minLength: 1, maxLength: 8 });
      await fc.assert(property('faults', faults), propertyParameters(RUNS));
      expectCoverage('faults', [
        ...COMMON,
        'retry',
        'reauth-required',
        'waiters-rejected-on-terminal',
        'failed:RefreshFailedError',
        'reply-lost',
        'reuse-after-lost-reply',
      ]);
    },
    timeoutFor(RUNS, 15),
  );
});
