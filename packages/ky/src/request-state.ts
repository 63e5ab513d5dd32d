/**
 * What the hooks and the call's fetch remember about one ky call (its first attempt, ky's retries and our replay).
 * ky hands the call's `options.context` object to every hook of the call, and the init hook makes that object the
 * call's own copy, so it is the key. The state is held in a private field of that object (JavaScript's own private
 * fields, added with a base class whose constructor returns the object it is given): like a WeakMap entry it is
 * invisible to `util.inspect` (even with `showHidden`), `JSON.stringify`, spreading and reflection, so it never shows
 * up when options are logged; unlike one it costs no ephemeron entry per call (a WeakMap cost ~0.5-1 µs of CPU per
 * call, mostly in the garbage collector).
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
  /** Every token this call sent (`undefined` until it sends one): what its errors must never show. */
  tokens: string[] | undefined;
  /** ky's `retryCount` for the next attempt (0, then what our first `beforeRetry` hook was told). */
  retryCount: number;
  /** ky's `retry.limit` for this call, as its hooks see it. */
  retryLimit: number;
  /** Forced retries used for a replay: 0 or 1, never more. */
  replays: number;
  /** Set once a 401 was answered with a refresh: this call is never replayed again. */
  refreshed: boolean;
  /** The token the replay carries, from the refresh until the replay's first `beforeRetry` hook puts it on. */
  replayToken: AccessToken | undefined;
  /** A replay was asked of ky and has not started yet. */
  replayPending: boolean;
  /** The error the call's fetch threw (the replay's forced retry, or a failed refresh): never an ordinary retry. */
  thrown: unknown;
  /** Why a refreshed call could not be replayed; becomes the `cause` of the `HTTPError` ky throws. */
  notReplayable: NotReplayableError | undefined;
}

export interface RequestStates {
  get(context: object): RequestState | undefined;
  /** The state of a call, created when this is the first hook to see it. */
  ensure(context: object): RequestState;
  /** A new state for a call whose `context` has none yet. */
  create(context: object): RequestState;
}

/** `new` on a subclass of this adds the subclass's private fields to `target` itself. */
class Stamp {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: returning `target` is what makes it carry the private field.
    return target;
  }
}

/** One registry per attachment (its own private field), so two managers on one client never share state. */
export function createRequestStates(): RequestStates {
  class CallState extends Stamp {
    #state: RequestState | undefined;

    static get(context: object): RequestState | undefined {
      return #state in context ? (context as CallState).#state : undefined;
    }

    static set(context: object, state: RequestState): void {
      // A context that cannot take a field (frozen by another hook) keeps no state: the call then goes without ours.
      if (Object.isExtensible(context)) (new CallState(context) as CallState).#state = state;
    }
  }
  const create = (context: object): RequestState => {
    const state: RequestState = {
      startedAt: Date.now(),
      timeoutMs: undefined,
      manager: undefined,
      sent: undefined,
      tokens: undefined,
      retryCount: 0,
      retryLimit: 0,
      replays: 0,
      refreshed: false,
      replayToken: undefined,
      replayPending: false,
      thrown: undefined,
      notReplayable: undefined,
    };
    CallState.set(context, state);
    return state;
  };
  return {
    get: (context) => CallState.get(context),
    ensure: (context) => CallState.get(context) ?? create(context),
    create,
  };
}
