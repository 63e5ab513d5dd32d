/**
 * The state machine's vocabulary: its state, policy, events and effects (machine.ts decides, manager.ts runs).
 */
import type { FailureKind, ReauthRequiredError, TokenRejectedError } from './errors.ts';
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
   * After a configuration error (e.g. `invalid_client`) or a just-issued token the API rejected, no refresh is
   * tried again until this time (or new tokens): requests that need one fail at once with `blockedBy`, instead of
   * hammering the endpoint. The block grows exponentially (with jitter) while the failures repeat.
   */
  readonly blockedUntil: number | undefined;
  readonly blockedBy: Error | undefined;
  /** When the last refresh attempt started (the storm guard counts from it). */
  readonly lastCallAt: number | undefined;
  /** A request was handed the current token since it arrived: only then is a proactive refresh worth a call. */
  readonly inUse: boolean;
  /** The current tokens came from a refresh (or another process's), not from the user: a 401 soon after is suspect. */
  readonly fromRefresh: boolean;
  /** The current tokens came from a refresh that requests were waiting for (a burst, whose stragglers follow). */
  readonly servedWaiters: boolean;
  /** Configuration errors in a row (the config backoff's exponent). */
  readonly configFailures: number;
  /** Just-issued tokens rejected by the API in a row (the rejection backoff's exponent). */
  readonly rejections: number;
  /**
   * How many requests the current tokens were handed to, counted up to `HANDED_OUT_CAP` only (so that a token in
   * steady use is a state that no longer changes).
   */
  readonly handedOut: number;
}

export interface MachinePolicy {
  readonly skewMs: number;
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly proactive: boolean;
  /** Storm guard: refreshes nobody waits for start at least this long after the previous one. */
  readonly minRefreshIntervalMs: number;
  /** A 401 this soon after a refresh issued the token counts as "the API rejects fresh tokens". */
  readonly rejectWindowMs: number;
}

export type MachineEvent =
  /** A request wants a token. */
  | { readonly type: 'token-needed' }
  /** A request got a 401 with `failedToken` (undefined: force a refresh of the current token). */
  | {
      readonly type: 'unauthorized';
      readonly failedToken: string | undefined;
      /** A random number in [0, 1) for the rejection backoff's jitter. Default 0.5. */
      readonly jitter?: number | undefined;
    }
  | {
      readonly type: 'refresh-succeeded';
      readonly epoch: number;
      readonly tokens: TokenSet;
      /** How many requests wait for these tokens (they get them at once). */
      readonly waiting?: number | undefined;
    }
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
  /** `store`: another process or tab cleared the store (it is not cleared again). */
  | { readonly type: 'cleared'; readonly source?: 'user' | 'store' | undefined }
  /** `waiting`: some request waits for this retry (else the storm guard spaces it). */
  | { readonly type: 'retry-due'; readonly epoch: number; readonly waiting?: boolean | undefined }
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
  /** Remove the stored tokens while the store holds at most `version` (undefined: unconditionally). */
  | { readonly type: 'clear-store'; readonly version: number | undefined }
  | { readonly type: 'emit-refreshed'; readonly tokens: TokenSet }
  | {
      readonly type: 'emit-refresh-failed';
      readonly error: Error;
      readonly attempt: number;
      readonly willRetry: boolean;
    }
  | { readonly type: 'emit-reauth-required'; readonly error: ReauthRequiredError }
  | { readonly type: 'emit-token-rejected'; readonly error: TokenRejectedError }
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
  lastCallAt: undefined,
  inUse: false,
  fromRefresh: false,
  servedWaiters: false,
  configFailures: 0,
  rejections: 0,
  handedOut: 0,
});

/** `handedOut` stops counting here: a token handed to this many requests has been in real use. */
export const HANDED_OUT_CAP = 3;
