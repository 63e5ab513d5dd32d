/**
 * The token state machine: a pure function `transition(state, event, now, policy) -> { state, effects }`.
 * It decides; the manager (manager.ts) runs the effects: timers, the refresh call, the waiter queue, events.
 *
 * Every refresh attempt, `setTokens` and `clear` starts a new `epoch`; a result or timer that carries an older
 * epoch is stale and ignored, so a slow refresh can never overwrite tokens set after it started.
 */
import { ReauthRequiredError, RefreshFailedError, TokenRejectedError } from './errors.ts';
import {
  accessTokenOf,
  backoffDelay,
  isUsable,
  needsRefresh,
  nextCallAllowedAt,
  proactiveEffects,
  rejectionDelay,
  stragglerWindow,
} from './freshness.ts';
import {
  type Effect,
  HANDED_OUT_CAP,
  initialState,
  type MachineEvent,
  type MachinePolicy,
  type MachineState,
  type Transition,
} from './machine-types.ts';
import type { RefreshReason, TokenSet } from './types.ts';

const startRefresh = (
  state: MachineState,
  reason: RefreshReason,
  attempt: number,
  now: number,
): Transition => {
  const next: MachineState = {
    ...state,
    status: 'refreshing',
    epoch: state.epoch + 1,
    attempt,
    reason,
    lastCallAt: now,
  };
  return {
    state: next,
    effects: [{ type: 'start-refresh', epoch: next.epoch, tokens: state.tokens, reason, attempt }],
  };
};

/**
 * A request is handed the current token. The first one that uses it (a request after the burst that caused the
 * refresh, or any request for tokens that did not come from a refresh requests waited for) arms the proactive timer.
 */
const grant = (
  state: MachineState,
  now: number,
  policy: MachinePolicy,
  effects: Effect[] = [],
): Transition => {
  const tokens = state.tokens as TokenSet;
  const answer: Effect = { type: 'grant', token: accessTokenOf(tokens) };
  const inUse =
    state.inUse ||
    !state.servedWaiters ||
    tokens.issuedAt === undefined ||
    now - tokens.issuedAt >= stragglerWindow(tokens, policy);
  if (state.inUse && state.handedOut >= HANDED_OUT_CAP) return { state, effects: [...effects, answer] };
  const next: MachineState = { ...state, inUse, handedOut: Math.min(HANDED_OUT_CAP, state.handedOut + 1) };
  const timer = !state.inUse && inUse && next.status === 'idle' ? proactiveEffects(next, now, policy) : [];
  return { state: next, effects: [...effects, ...timer, answer] };
};

/** A caller wants a token: use it, wait for a refresh (starting one if needed), or fail. */
const onTokenNeeded = (
  state: MachineState,
  now: number,
  policy: MachinePolicy,
  why: RefreshReason,
): Transition => {
  if (state.status === 'reauth-required') {
    return { state, effects: [{ type: 'fail', error: state.error ?? new ReauthRequiredError() }] };
  }
  const usable = isUsable(state, now);
  if (state.status === 'idle' && needsRefresh(state, now, policy)) {
    const blocked = state.blockedUntil !== undefined && now < state.blockedUntil;
    if (blocked) {
      if (usable) return grant(state, now, policy);
      return {
        state,
        effects: [{ type: 'fail', error: state.blockedBy ?? new RefreshFailedError('config', 0) }],
      };
    }
    if (!usable) {
      const started = startRefresh(state, why, 1, now);
      return { state: started.state, effects: [...started.effects, { type: 'wait' }] };
    }
    // Inside the skew window: the request goes out now, the refresh runs behind it (storm guard permitting).
    const allowedAt = nextCallAllowedAt(state, policy);
    if (now < allowedAt) {
      const used: MachineState = { ...state, inUse: true };
      const timer: Effect = { type: 'schedule-proactive', epoch: state.epoch, delayMs: allowedAt - now };
      return {
        state: used,
        effects: [timer, { type: 'grant', token: accessTokenOf(state.tokens as TokenSet) }],
      };
    }
    const started = startRefresh({ ...state, inUse: true }, 'proactive', 1, now);
    return grant(started.state, now, policy, [...started.effects]);
  }
  if (usable) return grant(state, now, policy);
  return { state, effects: [{ type: 'wait' }] };
};

/** After a refresh attempt ends without new tokens: waiters get the still-valid token (soft expiry) or `error`. */
const settleWaiters = (state: MachineState, now: number, error: Error): Effect =>
  isUsable(state, now)
    ? { type: 'resolve-waiters', token: accessTokenOf(state.tokens as TokenSet) }
    : { type: 'reject-waiters', error };

const idle = (state: MachineState): MachineState => ({
  ...state,
  status: 'idle',
  attempt: 0,
  reason: undefined,
});

const asError = (value: unknown): Error =>
  value instanceof Error ? value : new Error('Token refresh failed');

export function transition(
  state: MachineState,
  event: MachineEvent,
  now: number,
  policy: MachinePolicy,
): Transition {
  switch (event.type) {
    case 'token-needed':
      return onTokenNeeded(state, now, policy, 'expired');

    case 'unauthorized': {
      if (state.status === 'reauth-required') return onTokenNeeded(state, now, policy, 'unauthorized');
      const current = state.tokens?.accessToken;
      const stale = event.failedToken !== undefined && event.failedToken !== current;
      // A 401 for a token that was already replaced says nothing about the current one: no new refresh.
      if (stale || current === undefined) return onTokenNeeded(state, now, policy, 'unauthorized');
      // Another 401 for a token already reported: the same news, counted once.
      if (state.rejected === current) return onTokenNeeded(state, now, policy, 'unauthorized');
      // Just issued: rejected soon after a refresh, by the first requests it was handed to (the replay that waited
      // for it, the next request). A token that went out to more requests before this 401 was in real use (a server
      // that revoked or expired it early is no reason to back off).
      const issuedAt = state.tokens?.issuedAt;
      const justIssued =
        state.fromRefresh &&
        state.handedOut <= 2 &&
        issuedAt !== undefined &&
        now >= issuedAt &&
        now - issuedAt < policy.rejectWindowMs;
      const rejections = justIssued ? state.rejections + 1 : 0;
      // One just-issued token rejected may be bad luck (revoked at once, a replica that lagged): refresh. Two in a
      // row say the API rejects what the endpoint issues (wrong audience, `nbf` skew): another refresh now would
      // most likely be rejected too. Back the next one off, exponentially, and say so.
      if (rejections < 2 || state.status !== 'idle') {
        return onTokenNeeded({ ...state, rejected: current, rejections }, now, policy, 'unauthorized');
      }
      const delayMs = rejectionDelay(rejections - 1, policy, event.jitter ?? 0.5);
      const error = new TokenRejectedError(rejections, delayMs);
      return {
        state: { ...state, rejected: current, rejections, blockedUntil: now + delayMs, blockedBy: error },
        effects: [
          { type: 'emit-token-rejected', error },
          { type: 'fail', error },
        ],
      };
    }

    case 'refresh-succeeded': {
      if (state.status !== 'refreshing' || event.epoch !== state.epoch) return { state, effects: [] };
      const next: MachineState = {
        ...idle(state),
        tokens: event.tokens,
        rejected: undefined,
        blockedUntil: undefined,
        blockedBy: undefined,
        configFailures: 0,
        // Waiters served by this refresh do not count as use: only a request after it arms the proactive timer.
        inUse: false,
        fromRefresh: true,
        handedOut: Math.min(HANDED_OUT_CAP, event.waiting ?? 0),
        servedWaiters: (event.waiting ?? 0) > 0,
      };
      return {
        state: next,
        effects: [
          { type: 'resolve-waiters', token: accessTokenOf(event.tokens) },
          { type: 'emit-tokens', tokens: event.tokens },
          { type: 'emit-refreshed', tokens: event.tokens },
        ],
      };
    }

    case 'refresh-failed': {
      if (state.status !== 'refreshing' || event.epoch !== state.epoch) return { state, effects: [] };
      const cause = asError(event.error);
      if (event.kind === 'terminal') {
        const error = new ReauthRequiredError(undefined, { cause });
        return {
          state: { ...idle(state), status: 'reauth-required', tokens: undefined, rejected: undefined, error },
          effects: [
            { type: 'cancel-timers' },
            { type: 'reject-waiters', error },
            { type: 'clear-store', version: state.tokens?.version },
            { type: 'emit-refresh-failed', error: cause, attempt: state.attempt, willRetry: false },
            { type: 'emit-tokens', tokens: undefined },
            { type: 'emit-reauth-required', error },
          ],
        };
      }
      if (event.kind === 'transient' && state.attempt < policy.maxAttempts) {
        const delayMs = backoffDelay(state.attempt, policy, event.jitter, event.retryAfterMs);
        const next: MachineState = { ...state, status: 'backoff' };
        const effects: Effect[] = [
          { type: 'emit-refresh-failed', error: cause, attempt: state.attempt, willRetry: true },
          { type: 'schedule-retry', epoch: state.epoch, delayMs },
        ];
        // Soft expiry: waiters go out with the current token while it is still valid.
        if (isUsable(state, now)) effects.push(settleWaiters(state, now, cause));
        return { state: next, effects };
      }
      const error = new RefreshFailedError(event.kind, state.attempt, { cause });
      // A configuration error backs off exponentially (jittered) rather than blocking for maxDelayMs at once: one
      // bad answer costs a moment, a wrong secret about one token call per maxDelayMs.
      const configFailures = event.kind === 'config' ? state.configFailures + 1 : state.configFailures;
      const cooldown =
        event.kind === 'config'
          ? {
              configFailures,
              blockedUntil: now + backoffDelay(configFailures, policy, event.jitter, event.retryAfterMs),
              blockedBy: error,
            }
          : {};
      return {
        state: { ...idle(state), ...cooldown },
        effects: [
          { type: 'emit-refresh-failed', error: cause, attempt: state.attempt, willRetry: false },
          settleWaiters(state, now, error),
        ],
      };
    }

    case 'retry-due': {
      if (state.status !== 'backoff' || event.epoch !== state.epoch) return { state, effects: [] };
      const allowedAt = nextCallAllowedAt(state, policy);
      if (event.waiting === false && now < allowedAt) {
        // Nobody waits for this retry: the storm guard spaces it.
        return { state, effects: [{ type: 'schedule-retry', epoch: state.epoch, delayMs: allowedAt - now }] };
      }
      return startRefresh(state, state.reason ?? 'expired', state.attempt + 1, now);
    }

    case 'proactive-due': {
      if (state.status !== 'idle' || event.epoch !== state.epoch || state.tokens === undefined) {
        return { state, effects: [] };
      }
      const blocked = state.blockedUntil !== undefined && now < state.blockedUntil;
      if (!state.inUse || blocked) return { state, effects: [] };
      // A clock that moved since the timer was set: refresh if due, otherwise set the timer again.
      if (needsRefresh(state, now, policy) && now >= nextCallAllowedAt(state, policy)) {
        return startRefresh(state, 'proactive', 1, now);
      }
      return { state, effects: proactiveEffects(state, now, policy) };
    }

    case 'tokens-set': {
      // Tokens another process refreshed count as refreshed ones; the storm guard and the backoffs carry over.
      const fromStore = event.source === 'store';
      const next: MachineState = {
        ...initialState(event.tokens),
        epoch: state.epoch + 1,
        lastCallAt: state.lastCallAt,
        fromRefresh: fromStore,
        rejections: fromStore ? state.rejections : 0,
      };
      const effects: Effect[] = [{ type: 'abort-refresh' }, { type: 'cancel-timers' }];
      if (event.source === 'user') effects.push({ type: 'emit-tokens', tokens: event.tokens });
      if (isUsable(next, now)) {
        effects.push({ type: 'resolve-waiters', token: accessTokenOf(event.tokens) });
        return { state: next, effects: [...effects, ...proactiveEffects(next, now, policy)] };
      }
      // Set tokens that are already expired: refresh them for whoever is waiting (or asks next).
      const started = startRefresh(next, 'expired', 1, now);
      return { state: started.state, effects: [...effects, ...started.effects] };
    }

    case 'cleared': {
      const error = new ReauthRequiredError('The tokens were cleared; sign in again');
      return {
        // Terminal until new tokens are set, like a revoked grant (but the user asked: no reauth-required event).
        state: {
          ...initialState(undefined),
          status: 'reauth-required',
          error,
          epoch: state.epoch + 1,
          lastCallAt: state.lastCallAt,
        },
        effects: [
          { type: 'abort-refresh' },
          { type: 'cancel-timers' },
          { type: 'reject-waiters', error },
          ...(event.source === 'store' ? [] : [{ type: 'clear-store', version: undefined } as const]),
          { type: 'emit-tokens', tokens: undefined },
        ],
      };
    }
  }
}
