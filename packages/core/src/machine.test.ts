import { describe, expect, it } from 'vitest';
import { ReauthRequiredError, RefreshFailedError } from './errors.ts';
import { backoffDelay, effectiveSkew } from './freshness.ts';
import { transition } from './machine.ts';
import {
  type Effect,
  initialState,
  type MachineEvent,
  type MachinePolicy,
  type MachineState,
} from './machine-types.ts';
import type { TokenSet } from './types.ts';

const policy: MachinePolicy = {
  skewMs: 60_000,
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 10_000,
  proactive: true,
  minRefreshIntervalMs: 1_000,
  rejectWindowMs: 10_000,
};
const NOW = 1_000_000;
const fresh: TokenSet = {
  accessToken: 'A1',
  refreshToken: 'R1',
  issuedAt: NOW - 1000,
  expiresAt: NOW + 3_600_000,
};
const stale: TokenSet = { ...fresh, issuedAt: NOW - 3_600_000, expiresAt: NOW + 10_000 }; // in the skew window
const expired: TokenSet = { ...fresh, expiresAt: NOW - 1 };
const next: TokenSet = { accessToken: 'A2', refreshToken: 'R2', issuedAt: NOW, expiresAt: NOW + 3_600_000 };

const types = (effects: readonly Effect[]): string[] => effects.map((effect) => effect.type);
const at = (state: MachineState, event: MachineEvent, now = NOW) => transition(state, event, now, policy);
/** Tokens a request has already used (the proactive timer is armed for them). */
const used = (tokens: TokenSet | undefined): MachineState => ({ ...initialState(tokens), inUse: true });
const refreshing = (tokens: TokenSet | undefined, epoch = 1): MachineState => ({
  ...initialState(tokens),
  status: 'refreshing',
  epoch,
  attempt: 1,
  reason: 'expired',
});

describe('transition table', () => {
  const rows: Array<[string, MachineState, MachineEvent, string, string[]]> = [
    ['fresh token in use is granted', used(fresh), { type: 'token-needed' }, 'idle', ['grant']],
    [
      'the first request for new tokens arms the proactive timer',
      initialState(fresh),
      { type: 'token-needed' },
      'idle',
      ['schedule-proactive', 'grant'],
    ],
    [
      'unknown expiry is granted',
      initialState({ accessToken: 'A1' }),
      { type: 'token-needed' },
      'idle',
      ['grant'],
    ],
    [
      'expired token starts one refresh and waits',
      initialState(expired),
      { type: 'token-needed' },
      'refreshing',
      ['start-refresh', 'wait'],
    ],
    [
      'token in the skew window is granted while a refresh starts',
      initialState(stale),
      { type: 'token-needed' },
      'refreshing',
      ['start-refresh', 'grant'],
    ],
    [
      'no tokens: refresh and wait',
      initialState(undefined),
      { type: 'token-needed' },
      'refreshing',
      ['start-refresh', 'wait'],
    ],
    [
      'during a refresh an expired token waits',
      refreshing(expired),
      { type: 'token-needed' },
      'refreshing',
      ['wait'],
    ],
    [
      '401 for the current token: refresh and wait',
      initialState(fresh),
      { type: 'unauthorized', failedToken: 'A1' },
      'refreshing',
      ['start-refresh', 'wait'],
    ],
    [
      'late 401 for a replaced token: no refresh, current token',
      used(next),
      { type: 'unauthorized', failedToken: 'A1' },
      'idle',
      ['grant'],
    ],
    [
      '401 during a refresh joins it',
      refreshing(fresh),
      { type: 'unauthorized', failedToken: 'A1' },
      'refreshing',
      ['wait'],
    ],
    [
      'refresh succeeded: waiters get the new token, no timer until a request uses it',
      refreshing(expired),
      { type: 'refresh-succeeded', epoch: 1, tokens: next },
      'idle',
      ['resolve-waiters', 'emit-tokens', 'emit-refreshed'],
    ],
    [
      'a result from an older epoch is ignored',
      refreshing(expired, 2),
      { type: 'refresh-succeeded', epoch: 1, tokens: next },
      'refreshing',
      [],
    ],
    [
      'transient failure with an expired token: backoff, waiters keep waiting',
      refreshing(expired),
      { type: 'refresh-failed', epoch: 1, kind: 'transient', error: new Error('x'), jitter: 0 },
      'backoff',
      ['emit-refresh-failed', 'schedule-retry'],
    ],
    [
      'transient failure with a valid token: soft expiry serves waiters',
      refreshing(stale),
      { type: 'refresh-failed', epoch: 1, kind: 'transient', error: new Error('x'), jitter: 0 },
      'backoff',
      ['emit-refresh-failed', 'schedule-retry', 'resolve-waiters'],
    ],
    [
      'terminal failure: reauth, waiters rejected, store cleared, event once',
      refreshing(expired),
      { type: 'refresh-failed', epoch: 1, kind: 'terminal', error: new Error('invalid_grant'), jitter: 0 },
      'reauth-required',
      [
        'cancel-timers',
        'reject-waiters',
        'clear-store',
        'emit-refresh-failed',
        'emit-tokens',
        'emit-reauth-required',
      ],
    ],
    [
      'config failure: tokens kept, waiters rejected',
      refreshing(expired),
      { type: 'refresh-failed', epoch: 1, kind: 'config', error: new Error('invalid_client'), jitter: 0 },
      'idle',
      ['emit-refresh-failed', 'reject-waiters'],
    ],
    [
      'backoff elapsed: next attempt',
      { ...refreshing(expired), status: 'backoff' },
      { type: 'retry-due', epoch: 1 },
      'refreshing',
      ['start-refresh'],
    ],
    [
      'proactive timer when due',
      used(stale),
      { type: 'proactive-due', epoch: 0 },
      'refreshing',
      ['start-refresh'],
    ],
    [
      'proactive timer for tokens nobody used: no token call',
      initialState(stale),
      { type: 'proactive-due', epoch: 0 },
      'idle',
      [],
    ],
    [
      'proactive timer within a second of the last token call: re-armed (storm guard)',
      { ...used(stale), lastCallAt: NOW - 400 },
      { type: 'proactive-due', epoch: 0 },
      'idle',
      ['schedule-proactive'],
    ],
    [
      'request in the skew window within a second of the last call: granted, refresh deferred (storm guard)',
      { ...used(stale), lastCallAt: NOW - 400 },
      { type: 'token-needed' },
      'idle',
      ['schedule-proactive', 'grant'],
    ],
    [
      'retry nobody waits for within a second of the last call: deferred (storm guard)',
      { ...refreshing(stale), status: 'backoff', lastCallAt: NOW - 300 },
      { type: 'retry-due', epoch: 1, waiting: false },
      'backoff',
      ['schedule-retry'],
    ],
    [
      'retry a request waits for: not deferred',
      { ...refreshing(expired), status: 'backoff', lastCallAt: NOW - 300 },
      { type: 'retry-due', epoch: 1, waiting: true },
      'refreshing',
      ['start-refresh'],
    ],
    [
      'a 401 for a just-refreshed token: refresh once more',
      { ...used(next), fromRefresh: true },
      { type: 'unauthorized', failedToken: 'A2' },
      'refreshing',
      ['start-refresh', 'wait'],
    ],
    [
      'a second just-refreshed token rejected in a row: backed off, the app told',
      { ...used(next), fromRefresh: true, rejections: 1 },
      { type: 'unauthorized', failedToken: 'A2', jitter: 0 },
      'idle',
      ['emit-token-rejected', 'fail'],
    ],
    [
      'a refreshed token that already served 3 requests is no rejection streak (a server that revoked it)',
      { ...used(next), fromRefresh: true, rejections: 1, handedOut: 3 },
      { type: 'unauthorized', failedToken: 'A2', jitter: 0 },
      'refreshing',
      ['start-refresh', 'wait'],
    ],
    [
      'more 401s for a token already reported count once',
      { ...used(next), fromRefresh: true, rejections: 1, rejected: 'A2', status: 'refreshing' },
      { type: 'unauthorized', failedToken: 'A2', jitter: 0 },
      'refreshing',
      ['wait'],
    ],
    [
      'a 401 for an old refreshed token is no rejection streak',
      { ...used({ ...next, issuedAt: NOW - 60_000 }), fromRefresh: true, rejections: 3 },
      { type: 'unauthorized', failedToken: 'A2' },
      'refreshing',
      ['start-refresh', 'wait'],
    ],
    [
      'proactive timer early (clock stepped back): re-armed',
      used(fresh),
      { type: 'proactive-due', epoch: 0 },
      'idle',
      ['schedule-proactive'],
    ],
    [
      'setTokens during a refresh: aborts it, serves waiters',
      refreshing(expired),
      { type: 'tokens-set', tokens: next, source: 'user' },
      'idle',
      ['abort-refresh', 'cancel-timers', 'emit-tokens', 'resolve-waiters'],
    ],
    [
      'clear: waiters rejected, store cleared',
      refreshing(expired),
      { type: 'cleared' },
      'reauth-required',
      ['abort-refresh', 'cancel-timers', 'reject-waiters', 'clear-store', 'emit-tokens'],
    ],
    [
      'reauth-required fails fast',
      { ...initialState(undefined), status: 'reauth-required', error: new ReauthRequiredError() },
      { type: 'token-needed' },
      'reauth-required',
      ['fail'],
    ],
  ];

  it.each(rows)('%s', (_name, state, event, status, effects) => {
    const result = at(state, event);
    expect(result.state.status).toBe(status);
    expect(types(result.effects)).toEqual(effects);
  });
});

describe('decisions', () => {
  it('clamps the skew to half the lifetime, so a 2 s token is not refreshed on every request', () => {
    expect(effectiveSkew({ accessToken: 'a', issuedAt: 0, expiresAt: 2000 }, 60_000)).toBe(1000);
    const short: TokenSet = { accessToken: 'a', issuedAt: NOW, expiresAt: NOW + 2000 };
    expect(types(at(used(short), { type: 'token-needed' }, NOW + 500).effects)).toEqual(['grant']);
    expect(types(at(used(short), { type: 'token-needed' }, NOW + 1000).effects)).toEqual([
      'start-refresh',
      'grant',
    ]);
  });

  it('treats a clock that went backwards as expired', () => {
    const result = at(initialState(fresh), { type: 'token-needed' }, fresh.issuedAt! - 5000);
    expect(types(result.effects)).toEqual(['start-refresh', 'wait']);
  });

  it('a rejected token is never handed out again, even before it expires', () => {
    const after401 = at(initialState(fresh), { type: 'unauthorized', failedToken: 'A1' }).state;
    expect(types(at(after401, { type: 'token-needed' }).effects)).toEqual(['wait']);
  });

  it('gives up after maxAttempts with RefreshFailedError, keeping the tokens', () => {
    const last: MachineState = { ...refreshing(expired), attempt: policy.maxAttempts };
    const result = at(last, {
      type: 'refresh-failed',
      epoch: 1,
      kind: 'transient',
      error: new Error('503'),
      jitter: 0,
    });
    const reject = result.effects.find((effect) => effect.type === 'reject-waiters');
    expect(reject?.type === 'reject-waiters' && reject.error).toBeInstanceOf(RefreshFailedError);
    expect(result.state.tokens).toBe(expired);
  });

  it('terminal failure keeps the cause on the error every caller gets', () => {
    const cause = new Error('invalid_grant');
    const result = at(refreshing(expired), {
      type: 'refresh-failed',
      epoch: 1,
      kind: 'terminal',
      error: cause,
      jitter: 0,
    });
    const failed = at(result.state, { type: 'token-needed' }).effects[0];
    expect(failed?.type === 'fail' && failed.error.cause).toBe(cause);
    expect(result.state.tokens).toBeUndefined();
  });

  it('backoff grows exponentially with jitter and honours Retry-After, capped', () => {
    expect(backoffDelay(1, policy, 0)).toBe(50);
    expect(backoffDelay(1, policy, 1)).toBe(100);
    expect(backoffDelay(3, policy, 1)).toBe(400);
    expect(backoffDelay(20, policy, 1)).toBe(10_000);
    expect(backoffDelay(1, policy, 0.5, 2000)).toBe(2000);
    expect(backoffDelay(1, policy, 0.5, 3_600_000)).toBe(10_000);
  });

  it('expired tokens set by the user are refreshed for whoever waits', () => {
    const result = at(initialState(undefined), { type: 'tokens-set', tokens: expired, source: 'user' });
    expect(result.state.status).toBe('refreshing');
    expect(types(result.effects)).toContain('start-refresh');
  });
});

describe('configuration errors', () => {
  const configFailure = (state: MachineState, jitter = 0) =>
    at(state, {
      type: 'refresh-failed',
      epoch: 1,
      kind: 'config',
      error: new Error('invalid_client'),
      jitter,
    });

  it('back off exponentially from baseDelayMs: requests fail fast meanwhile, a still-valid token is still used', () => {
    const failed = configFailure(refreshing(expired));
    // First failure: ceiling baseDelayMs (100), jitter 0 -> 50 ms.
    expect(failed.state.blockedUntil).toBe(NOW + 50);
    expect(types(at(failed.state, { type: 'token-needed' }, NOW + 1).effects)).toEqual(['fail']);
    expect(types(at(failed.state, { type: 'unauthorized', failedToken: 'A1' }, NOW + 1).effects)).toEqual([
      'fail',
    ]);
    // A request a moment later tries again.
    const again = at(failed.state, { type: 'token-needed' }, NOW + 50);
    expect(types(again.effects)).toEqual(['start-refresh', 'wait']);
    // Each failure in a row doubles the ceiling, up to maxDelayMs.
    let state = failed.state;
    const blocks: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const started = at(state, { type: 'token-needed' }, NOW + 1_000_000 * (i + 1)).state;
      const result = at(
        started,
        { type: 'refresh-failed', epoch: started.epoch, kind: 'config', error: new Error('x'), jitter: 1 },
        NOW + 1_000_000 * (i + 1),
      );
      state = result.state;
      blocks.push((state.blockedUntil ?? 0) - NOW - 1_000_000 * (i + 1));
    }
    expect(blocks).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000, 10_000]);
    const softFailed = configFailure(refreshing(stale));
    expect(types(at(softFailed.state, { type: 'token-needed' }, NOW + 1).effects)).toEqual([
      'schedule-proactive',
      'grant',
    ]);
  });

  it('a success ends the backoff', () => {
    const failed = configFailure(refreshing(expired));
    const started = at(failed.state, { type: 'token-needed' }, NOW + 100).state;
    const ok = at(started, { type: 'refresh-succeeded', epoch: started.epoch, tokens: next }, NOW + 100);
    expect(ok.state.configFailures).toBe(0);
    expect(ok.state.blockedUntil).toBeUndefined();
  });
});
