/**
 * What the hooks remember about one ky call (its first attempt, ky's retries and our replay). ky gives every call
 * its own `options.context` object and hands that same object to every hook of the call, so it is the key; the
 * state lives in a WeakMap, never in the context itself, so it never shows up when options are logged.
 */
import type { AccessToken, NotReplayableError, OriginPolicy } from '@tokenrelay/core';

export interface RequestState {
  /** The origins this call may send the token to. */
  policy: OriginPolicy | undefined;
  /** The token the latest attempt carried; `undefined` when it went out without ours. */
  sent: AccessToken | undefined;
  /** Forced retries used for a replay: 0 or 1, never more. */
  replays: number;
  /** Set once a 401 was answered with a refresh: this call is never replayed again. */
  refreshed: boolean;
  /** Why a refreshed call could not be replayed; becomes the `cause` of the `HTTPError` ky throws. */
  notReplayable: NotReplayableError | undefined;
}

export interface RequestStates {
  get(context: object): RequestState | undefined;
  /** The state of a call, created when this is the first hook to see it. */
  ensure(context: object): RequestState;
}

/** One registry per `tokenRefresh()` call, so two managers on one client never share state. */
export function createRequestStates(): RequestStates {
  const states = new WeakMap<object, RequestState>();
  return {
    get: (context) => states.get(context),
    ensure(context) {
      let state = states.get(context);
      if (state === undefined) {
        state = {
          policy: undefined,
          sent: undefined,
          replays: 0,
          refreshed: false,
          notReplayable: undefined,
        };
        states.set(context, state);
      }
      return state;
    },
  };
}
