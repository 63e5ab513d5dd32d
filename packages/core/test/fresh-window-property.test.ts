/**
 * The manager's fast path asks `freshWindow` (two comparisons) where the machine asks `needsRefresh`: for every
 * state, policy and time they must agree, or a request would get a token the machine would refresh first (or the
 * other way round).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshWindow, needsRefresh } from '../src/freshness.ts';
import { initialState, type MachinePolicy } from '../src/machine-types.ts';
import { propertyParameters } from './support/runs.ts';

const BASE = 1_700_000_000_000;
const time = fc.oneof(
  fc.integer({ min: BASE - 3_600_000, max: BASE + 3_600_000 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);

describe('freshWindow', () => {
  it('holds `now` exactly when needsRefresh says no refresh is due (never a token the machine would refresh)', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: BASE - 3_600_000, max: BASE + 3_600_000 }), { nil: undefined }),
        fc.option(fc.integer({ min: BASE - 3_600_000, max: BASE + 3_600_000 }), { nil: undefined }),
        fc.boolean(),
        fc.integer({ min: 0, max: 600_000 }),
        time,
        (issuedAt, expiresAt, rejected, skewMs, now) => {
          const state = {
            ...initialState({ accessToken: 'A', refreshToken: 'R', issuedAt, expiresAt }),
            ...(rejected ? { rejected: 'A' } : {}),
          };
          const policy = { skewMs } as MachinePolicy;
          const window = freshWindow(state, policy);
          const inWindow = window !== undefined && now >= window.from && now < window.until;
          const due = needsRefresh(state, now, policy);
          // Never a token the machine would refresh first; for a finite time, exactly the machine's answer (a
          // clock that answers NaN or an infinity leaves every request to the machine).
          if (inWindow) expect(due).toBe(false);
          if (Number.isFinite(now)) expect(inWindow).toBe(!due);
        },
      ),
      propertyParameters(2_000),
    );
  });

  it('is undefined without tokens', () => {
    expect(freshWindow(initialState(undefined), { skewMs: 0 } as MachinePolicy)).toBeUndefined();
  });
});
