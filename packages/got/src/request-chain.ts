/**
 * What the hooks remember about one request: a "chain" is one `got()` call and everything got derives from it
 * (its redirects, got's own retries, our replay). Got clones `options.context` shallowly for every retry and
 * redirect, so a handle stored there under a private symbol reaches every hook of the chain; the state itself
 * (which holds the header value we sent) lives in the handle's private field, so it never shows up when options
 * are logged, inspected or serialized (the handle prints as `ChainHandle {}`).
 *
 * Most calls go out once with a fresh token and come back without a refresh: their state is the same for every
 * call that sent that token, so they share one frozen chain (and handle) per token and a call costs no object of
 * its own (measured inside got's handler: a chain object, its handle and `Date.now()` per request took about 1 µs
 * of a 130-250 µs request, the benchmark running it cold). A call gets its own chain when it needs one: a
 * `timeout.request` budget (its start time), a manager resolver (the manager it picked), or a change of state (a
 * replay, a header stripped, another token sent); `own()` copies the shared state into it first.
 */
import type { AccessToken, TokenManager } from '@tokenrelay/core';

export interface RequestChain {
  /** A first pass's state, shared by every call that sent this token with it: frozen, changed only through a copy. */
  readonly shared: boolean;
  /**
   * When the call began, for a call that had a `timeout.request` budget then (its budget bounds the waits for a
   * token too); `undefined` otherwise.
   */
  readonly startedAt: number | undefined;
  /** The manager of this call (a resolver may pick one per call); set at its first `beforeRequest`. */
  manager: TokenManager | undefined;
  /**
   * The access token the latest attempt carried (for `manager.refresh({ failedToken })`); `undefined` when it went
   * out without ours. With `replayed`, the replay-once mark.
   */
  sentToken: string | undefined;
  /** The header value the latest attempt carried, to tell ours from a header the caller set. */
  sentValue: string | undefined;
  /** Every token this chain sent, each once: what its errors must never show. */
  tokens: readonly string[];
  /** Set once the chain has been replayed after a refresh: it never is again. */
  replayed: boolean;
  /** The token `manager.refresh()` returned, for the replay's `beforeRequest`. */
  replayWith: AccessToken | undefined;
}

type Context = Record<PropertyKey, unknown>;

/** A chain's `tokens` before it sent any: shared, so a chain costs no array until then. */
const NO_TOKENS: readonly string[] = Object.freeze([]);

/** The value stored in `context`: it holds its chain where printing and serializing cannot reach it. */
class ChainHandle {
  readonly #chain: RequestChain;
  constructor(chain: RequestChain) {
    this.#chain = chain;
  }
  // `instanceof` rather than `#chain in value`: V8 checks the prototype much faster than the private brand (about
  // 1% of a request's time in the sequential benchmark). Only this module makes handles, and only it holds the key.
  static chainOf(value: unknown): RequestChain | undefined {
    return value instanceof ChainHandle ? value.#chain : undefined;
  }
}

/** Each method takes the `context` of got's options (read once per hook: each read is a call of got's getter). */
export interface ChainRegistry {
  /** The chain of the options with this context, if a hook of this registry has seen it; a shared one is read-only. */
  get(context: object): RequestChain | undefined;
  /** Starts a chain of its own on this context (overwrites a handle inherited from other options). */
  start(context: object, startedAt?: number): RequestChain;
  /** Forgets a chain this context inherited from an earlier call's options: the call starts without one. */
  forget(context: object): void;
  /**
   * The chain of this context as one of its own, to change: `chain` (its current one, from `get`) when it already
   * is, else a copy of it (or a new chain) stored on it.
   */
  own(context: object, chain: RequestChain | undefined): RequestChain;
  /**
   * Records that the first attempt of a call (no chain yet) sends `token`, and returns its header value: the state
   * every call that sent that token shares.
   */
  firstAttempt(context: object, token: AccessToken): string;
  /**
   * Records that this attempt of the chain (from `get`) sent `token` in a header of `value`: its `tokens` become
   * exactly the tokens it sent, each once.
   */
  sent(context: object, chain: RequestChain, token: string, value: string): void;
}

/** A chain of its own, a copy of `from` when given. */
const newChain = (startedAt: number | undefined, from?: RequestChain): RequestChain => ({
  shared: false,
  startedAt,
  manager: from?.manager,
  sentToken: from?.sentToken,
  sentValue: from?.sentValue,
  tokens: from?.tokens ?? NO_TOKENS,
  replayed: from?.replayed ?? false,
  replayWith: from?.replayWith,
});

/** One registry per `tokenRefresh()` call (its own symbol), so two managers on one client never share state. */
export function createChainRegistry(headerValue: (token: AccessToken) => string): ChainRegistry {
  const key = Symbol('tokenrelay.got.chain');
  // Most chains send one token, the one every other chain sends too: they share one frozen list of it.
  let shared: readonly string[] = NO_TOKENS;
  const listOf = (token: string): readonly string[] => {
    if (shared[0] !== token) shared = Object.freeze([token]);
    return shared;
  };
  // The first attempt with the latest token (the manager hands out one frozen object per token): every call that
  // sent it shares its state, found by the token object alone. Plain variables of this scope rather than a record:
  // a request reads them where it reads `key`, with no other object to fetch.
  let firstToken: AccessToken | undefined;
  let firstValue = '';
  let firstHandle: ChainHandle | undefined;
  const store = (context: object, chain: RequestChain): RequestChain => {
    (context as Context)[key] = new ChainHandle(chain);
    return chain;
  };
  const own: ChainRegistry['own'] = (context, chain) =>
    chain !== undefined && !chain.shared ? chain : store(context, newChain(chain?.startedAt, chain));
  return {
    get: (context) => ChainHandle.chainOf((context as Context)[key]),
    start: (context, startedAt) => store(context, newChain(startedAt)),
    forget(context) {
      const held = context as Context;
      if (held[key] !== undefined) held[key] = undefined;
    },
    own,
    firstAttempt(context, token) {
      if (firstHandle === undefined || firstToken !== token) {
        const value = headerValue(token);
        const chain: RequestChain = Object.freeze({
          ...newChain(undefined),
          shared: true,
          sentToken: token.token,
          sentValue: value,
          tokens: listOf(token.token),
        });
        const handle = new ChainHandle(chain);
        // Only a frozen token is known to keep its value.
        if (!Object.isFrozen(token)) {
          (context as Context)[key] = handle;
          return value;
        }
        firstToken = token;
        firstValue = value;
        firstHandle = handle;
      }
      (context as Context)[key] = firstHandle;
      return firstValue;
    },
    sent(context, chain, token, value) {
      // got's own retry of a first pass, with the same token: the same state.
      if (chain.shared && chain.sentToken === token && chain.sentValue === value) return;
      const mine = own(context, chain);
      mine.sentToken = token;
      mine.sentValue = value;
      const { tokens } = mine;
      if (tokens.length === 0) mine.tokens = listOf(token);
      else if (!tokens.includes(token)) mine.tokens = Object.freeze([...tokens, token]);
    },
  };
}
