/**
 * The commands of a model run, as fast-check arbitraries, and the driver that plays them against a harness.
 * Replies and store writes are released by the fast-check scheduler (`step`), so a run explores their order
 * relative to new requests, late 401s, aborts, clock steps, `setTokens` and `clear`.
 */

import type { Scheduler } from 'fast-check';
import fc from 'fast-check';
import { createHarness, type Harness, type ModelConfig, RETRY, WAIT_TIMEOUT_MS } from './harness.ts';
import type { ReplyFault } from './model-refresh.ts';

export type Command =
  | { readonly kind: 'get'; readonly abortable: boolean }
  | { readonly kind: 'unauthorized'; readonly pick: number; readonly abortable: boolean }
  | { readonly kind: 'step'; readonly count: number }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'jump'; readonly ms: number }
  | { readonly kind: 'abort'; readonly pick: number }
  | { readonly kind: 'setTokens'; readonly expired: boolean }
  | { readonly kind: 'clear' };

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Steps that land on the interesting instants: backoff delays, the skew window, expiry, the wait timeout. */
const durations = fc.oneof(
  fc.constantFrom(0, 1, 100, 999, 1_000, 30 * SECOND, 59 * SECOND, 61 * SECOND, WAIT_TIMEOUT_MS, 60 * MINUTE),
  fc.integer({ min: 0, max: 2 * MINUTE }),
);

export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('get' as const), abortable: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('unauthorized' as const),
      pick: fc.nat(9),
      abortable: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('step' as const), count: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: durations }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('jump' as const),
      ms: fc.constantFrom(-60 * MINUTE, -2 * MINUTE, -SECOND, SECOND, 2 * MINUTE, 60 * MINUTE),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setTokens' as const), expired: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

export const faultArb: fc.Arbitrary<ReplyFault> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('ok' as const) },
  { weight: 2, arbitrary: fc.constant('unavailable' as const) },
  { weight: 1, arbitrary: fc.constantFrom('bad-client' as const, 'admin-revoke' as const) },
  { weight: 2, arbitrary: fc.constantFrom('lost' as const, 'hang' as const, 'deaf' as const) },
);

export const configArb = (faults: fc.Arbitrary<readonly ReplyFault[]>): fc.Arbitrary<ModelConfig> =>
  fc.record({
    ttlSeconds: fc.constantFrom(2, 90, 3600),
    startExpired: fc.boolean(),
    faults,
  });

/** Lets every continuation that is not held by the scheduler run (microtasks, then one macrotask turn). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function play(harness: Harness, scheduler: Scheduler, command: Command): Promise<void> {
  switch (command.kind) {
    case 'get':
      return harness.get(command.abortable);
    case 'unauthorized':
      return harness.unauthorized(command.pick, command.abortable);
    case 'step':
      for (let i = 0; i < command.count && scheduler.count() > 0; i += 1) {
        await scheduler.waitNext(1);
        await settle();
      }
      return;
    case 'advance':
      return harness.clock.advance(command.ms);
    case 'jump':
      return harness.clock.jump(command.ms);
    case 'abort':
      return harness.abort(command.pick);
    case 'setTokens':
      return harness.setTokens(command.expired);
    case 'clear':
      return harness.clear();
  }
}

/** Longest a drained run may still need: every retry, then the wait timeout. */
const DRAIN_STEP_MS = WAIT_TIMEOUT_MS + RETRY.attempts * RETRY.maxDelayMs;

/** Plays `commands`, then drains: releases everything scheduled and moves the clock past every timeout. */
export async function runModel(
  scheduler: Scheduler,
  config: ModelConfig,
  commands: readonly Command[],
): Promise<Harness> {
  const harness = createHarness(scheduler, config);
  for (const command of commands) {
    await play(harness, scheduler, command);
    await settle();
  }
  for (let round = 0; round < 6 && !(harness.allSettled() && scheduler.count() === 0); round += 1) {
    await scheduler.waitIdle();
    await harness.clock.advance(DRAIN_STEP_MS);
  }
  await scheduler.waitIdle();
  await settle();
  harness.finalChecks();
  harness.manager.dispose();
  return harness;
}
