/**
 * The token state machine: a pure function `transition(state, event, now, policy) -> { state, effects }`.
 * It decides; the manager (manager.ts) runs the effects: timers, the refresh call, the waiter queue, events.
 *
 * Every refresh attempt, `setTokens` and `clear` starts a new `epoch`; a result or timer that carries an older
 * epoch is stale and ignored, so a slow refresh can never overwrite tokens set after it started.
 */
import { type FailureKind, ReauthRequiredError, RefreshFailedError } from './errors.ts';
import type { AccessToken, RefreshReason, TokenSet } from './types.ts';

export type MachineStatus = 'idle' | 'refreshing' | 'backoff' | 'reauth-required';

export interface MachineState {
  readonly status: MachineStatus;
  readonly tokens: TokenSet | undefined;
  /** The access token a server rejected (401); it is never handed out again. */
  readonly rejected: string | undefined;
  readonly epoch: number;
  /** Attempt number of the refresh in flight or in backoff (1-based); 0 when idle. */
  readonly attempt: number;
  readonly reason: RefreshReason | undefined;
  /** Set in `reauth-required`: the error every caller gets until new tokens are set. */
  readonly error: ReauthRequiredError | undefined;
  /**
   * After a configuration error (e.g. `invalid_client`), no refresh is tried again until this time (or new tokens):
   * requests that need one fail at once with `blockedBy`, instead of hammering the endpoint with bad credentials.
   */
  readonly blockedUntil: number | undefined;
  readonly blockedBy: Error | undefined;
}

export interface MachinePolicy {
  readonly skewMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly proactive: boolean;
}

export type MachineEvent =
  /** A request wants a token. */
  | { readonly type: 'token-needed' }
  /** A request got a 401 with `failedToken` (undefined: force a refresh of the current token). */
  | { readonly type: 'unauthorized'; readonly failedToken: string | undefined }
  | { readonly type: 'refresh-succeeded'; readonly epoch: number; readonly tokens: TokenSet }
  | {
      readonly type: 'refresh-failed';
      readonly epoch: number;
      readonly kind: FailureKind;
      readonly error: unknown;
      readonly retryAfterMs?: number | undefined;
      /** A random number in [0, 1) for backoff jitter, drawn by the manager so that this stays pure. */
      readonly jitter: number;
    }
  /** New tokens from the user (`setTokens`) or read from the store (`store`: not announced again). */
  | { readonly type: 'tokens-set'; readonly tokens: TokenSet; readonly source: 'user' | 'store' }
  | { readonly type: 'cleared' }
  | { readonly type: 'retry-due'; readonly epoch: number }
  | { readonly type: 'proactive-due'; readonly epoch: number };

export type Effect =
  /** Answer to the caller of this event: use this token now. */
  | { readonly type: 'grant'; readonly token: AccessToken }
  /** Answer to the caller: wait for the refresh. */
  | { readonly type: 'wait' }
  /** Answer to the caller: fail now. */
  | { readonly type: 'fail'; readonly error: Error }
  | {
      readonly type: 'start-refresh';
      readonly epoch: number;
      readonly tokens: TokenSet | undefined;
      readonly reason: RefreshReason;
      readonly attempt: number;
    }
  | { readonly type: 'abort-refresh' }
  | { readonly type: 'resolve-waiters'; readonly token: AccessToken }
  | { readonly type: 'reject-waiters'; readonly error: Error }
  | { readonly type: 'schedule-retry'; readonly epoch: number; readonly delayMs: number }
  | { readonly type: 'schedule-proactive'; readonly epoch: number; readonly delayMs: number }
  | { readonly type: 'cancel-timers' }
  | { readonly type: 'clear-store' }
  | { readonly type: 'emit-refreshed'; readonly tokens: TokenSet }
  | {
      readonly type: 'emit-refresh-failed';
      readonly error: Error;
      readonly attempt: number;
      readonly willRetry: boolean;
    }
  | { readonly type: 'emit-reauth-required'; readonly error: ReauthRequiredError }
  | { readonly type: 'emit-tokens'; readonly tokens: TokenSet | undefined };

export interface Transition {
  readonly state: MachineState;
  readonly effects: readonly Effect[];
}

export const initialState = (tokens: TokenSet | undefined): MachineState => ({
  status: 'idle',
  tokens,
  rejected: undefined,
  epoch: 0,
  attempt: 0,
  reason: undefined,
  error: undefined,
  blockedUntil: undefined,
  blockedBy: undefined,
});

/** The skew in effect for these tokens: the configured one, clamped to half the token's lifetime. */
export function effectiveSkew(tokens: TokenSet, skewMs: number): number {
  if (tokens.expiresAt === undefined || tokens.issuedAt === undefined) return skewMs;
  return Math.max(0, Math.min(skewMs, (tokens.expiresAt - tokens.issuedAt) / 2));
}

/** May this token be sent now? (held, not rejected by a server, not expired, and the clock did not go back) */
export function isUsable(state: MachineState, now: number): boolean {
  const tokens = state.tokens;
  if (tokens === undefined || tokens.accessToken === state.rejected) return false;
  if (tokens.issuedAt !== undefined && now < tokens.issuedAt) return false;
  return tokens.expiresAt === undefined || now < tokens.expiresAt;
}

/** Is it time to refresh? (nothing usable, or inside the skew window before expiry) */
export function needsRefresh(state: MachineState, now: number, policy: MachinePolicy): boolean {
  if (!isUsable(state, now)) return true;
  const tokens = state.tokens as TokenSet;
  return tokens.expiresAt !== undefined && now >= tokens.expiresAt - effectiveSkew(tokens, policy.skewMs);
}

const accessTokenOf = (tokens: TokenSet): AccessToken => ({
  token: tokens.accessToken,
  type: tokens.tokenType ?? 'Bearer',
});

/** Exponential backoff with full jitter; a server's Retry-After wins. Both capped at `maxDelayMs`. */
export function backoffDelay(
  attempt: number,
  policy: MachinePolicy,
  jitter: number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

/** The proactive timer for the tokens held, if any (also used for the tokens a manager is created with). */
export const proactiveEffects = (state: MachineState, now: number, policy: MachinePolicy): Effect[] => {
  const tokens = state.tokens;
  if (!policy.proactive || tokens?.expiresAt === undefined) return [];
  const at = tokens.expiresAt - effectiveSkew(tokens, policy.skewMs);
  return [{ type: 'schedule-proactive', epoch: state.epoch, delayMs: Math.max(0, at - now) }];
};

const startRefresh = (state: MachineState, reason: RefreshReason, attempt: number): Transition => {
  const next: MachineState = { ...state, status: 'refreshing', epoch: state.epoch + 1, attempt, reason };
  return {
    state: next,
    effects: [{ type: 'start-refresh', epoch: next.epoch, tokens: state.tokens, reason, attempt }],
  };
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
  let result: Transition = { state, effects: [] };
  const blocked = state.blockedUntil !== undefined && now < state.blockedUntil;
  if (blocked && state.status === 'idle' && needsRefresh(state, now, policy)) {
    const error = state.blockedBy ?? new RefreshFailedError('config', 0);
    return {
      state,
      effects: [
        usable ? { type: 'grant', token: accessTokenOf(state.tokens as TokenSet) } : { type: 'fail', error },
      ],
    };
  }
  if (state.status === 'idle' && needsRefresh(state, now, policy)) {
    result = startRefresh(state, usable ? 'proactive' : why, 1);
  }
  const answer: Effect = usable
    ? { type: 'grant', token: accessTokenOf(state.tokens as TokenSet) }
    : { type: 'wait' };
  return { state: result.state, effects: [...result.effects, answer] };
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
      return onTokenNeeded({ ...state, rejected: current }, now, policy, 'unauthorized');
    }

    case 'refresh-succeeded': {
      if (state.status !== 'refreshing' || event.epoch !== state.epoch) return { state, effects: [] };
      const next: MachineState = {
        ...idle(state),
        tokens: event.tokens,
        rejected: undefined,
        blockedUntil: undefined,
        blockedBy: undefined,
      };
      return {
        state: next,
        effects: [
          { type: 'resolve-waiters', token: accessTokenOf(event.tokens) },
          { type: 'emit-tokens', tokens: event.tokens },
          { type: 'emit-refreshed', tokens: event.tokens },
          ...proactiveEffects(next, now, policy),
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
            { type: 'clear-store' },
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
      const cooldown =
        event.kind === 'config' ? { blockedUntil: now + policy.maxDelayMs, blockedBy: error } : {};
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
      return startRefresh(state, state.reason ?? 'expired', state.attempt + 1);
    }

    case 'proactive-due': {
      if (state.status !== 'idle' || event.epoch !== state.epoch || state.tokens === undefined) {
        return { state, effects: [] };
      }
      // A clock that moved since the timer was set: refresh if due, otherwise set the timer again.
      if (needsRefresh(state, now, policy)) return startRefresh(state, 'proactive', 1);
      return { state, effects: proactiveEffects(state, now, policy) };
    }

    case 'tokens-set': {
      const next: MachineState = { ...initialState(event.tokens), epoch: state.epoch + 1 };
      const effects: Effect[] = [{ type: 'abort-refresh' }, { type: 'cancel-timers' }];
      if (event.source === 'user') effects.push({ type: 'emit-tokens', tokens: event.tokens });
      if (isUsable(next, now)) {
        effects.push({ type: 'resolve-waiters', token: accessTokenOf(event.tokens) });
        return { state: next, effects: [...effects, ...proactiveEffects(next, now, policy)] };
      }
      // Set tokens that are already expired: refresh them for whoever is waiting (or asks next).
      const started = startRefresh(next, 'expired', 1);
      return { state: started.state, effects: [...effects, ...started.effects] };
    }

    case 'cleared': {
      const error = new ReauthRequiredError('The tokens were cleared; sign in again');
      return {
        // Terminal until new tokens are set, like a revoked grant (but the user asked: no reauth-required event).
        state: { ...initialState(undefined), status: 'reauth-required', error, epoch: state.epoch + 1 },
        effects: [
          { type: 'abort-refresh' },
          { type: 'cancel-timers' },
          { type: 'reject-waiters', error },
          { type: 'clear-store' },
          { type: 'emit-tokens', tokens: undefined },
        ],
      };
    }
  }
}
