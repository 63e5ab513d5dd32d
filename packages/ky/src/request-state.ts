/**
 * What the hooks remember about one ky call (its first attempt, ky's retries and our replay). ky gives every call
 * its own `options.context` object and hands that same object to every hook of the call, so it is the key; the
 * state lives in a WeakMap, never in the context itself, so it never shows up when options are logged.
 */
import type { AccessToken, NotReplayableError, TokenManager } from '@tokenrelay/core';

export interface RequestState {
  /** When the call began: its `timeout` bounds the waits for a token too. */
  readonly startedAt: number;
  /** ky's `timeout` for this call (from the init hook); `undefined` when off. */
  timeoutMs: number | undefined;
  /** The manager of this call (a resolver may pick one per call). */
  manager: TokenManager | undefined;
  /** The token the latest attempt carried; `undefined` when it went out without ours. */
  sent: AccessToken | undefined;
  /** Every token this call sent: what its errors must never show. */
  readonly tokens: string[];
  /** Forced retries used for a replay: 0 or 1, never more. */
  replays: number;
  /** Set once a 401 was answered with a refresh: this call is never replayed again. */
  refreshed: boolean;
  /** A replay was asked of ky and has not started yet. */
  replayPending: boolean;
  /** Why a refreshed call could not be replayed; becomes the `cause` of the `HTTPError` ky throws. */
  notReplayable: NotReplayableError | undefined;
}

export interface RequestStates {
  get(context: object): RequestState | undefined;
  /** The state of a call, created when this is the first hook to see it. */
  ensure(context: object): RequestState;
}

/** One registry per attachment, so two managers on one client never share state. */
export function createRequestStates(): RequestStates {
  const states = new WeakMap<object, RequestState>();
  return {
    get: (context) => states.get(context),
    ensure(context) {
      let state = states.get(context);
      if (state === undefined) {
        state = {
          startedAt: Date.now(),
          timeoutMs: undefined,
          manager: undefined,
          sent: undefined,
          tokens: [],
          replays: 0,
          refreshed: false,
          replayPending: false,
          notReplayable: undefined,
        };
        states.set(context, state);
      }
      return state;
    },
  };
}
