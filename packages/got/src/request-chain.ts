/**
 * What the hooks remember about one request: a "chain" is one `got()` call and everything got derives from it
 * (its redirects, got's own retries, our replay). It starts in a got handler, which runs once per call (a page of
 * `got.paginate` is a call of its own). Got clones `options.context` shallowly for every retry and redirect, so a
 * handle stored there under a private symbol reaches every hook of the chain; the state itself (which holds the
 * header value we sent) lives in the handle's private field, so it never shows up when options are logged,
 * inspected or serialized (the handle prints as `ChainHandle {}`). A private field rather than a WeakMap keyed by
 * the handle: a WeakMap entry per request cost about a microsecond and extra garbage-collector work.
 */
import type { AccessToken, TokenManager } from '@tokenrelay/core';

export interface RequestChain {
  /** When the call began: its `timeout.request` bounds the waits for a token too. */
  readonly startedAt: number;
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

export interface ChainRegistry {
  /** The chain the options belong to, if a hook of this registry has seen it. */
  get(options: { readonly context: object }): RequestChain | undefined;
  /** Starts a new chain on these options (overwrites a handle inherited from other options). */
  start(options: { readonly context: object }): RequestChain;
  /** Records that the chain sent `token`: its `tokens` become exactly the tokens it sent, each once. */
  remember(chain: RequestChain, token: string): void;
}

/** One registry per `tokenRefresh()` call (its own symbol), so two managers on one client never share state. */
export function createChainRegistry(): ChainRegistry {
  const key = Symbol('tokenrelay.got.chain');
  // Most chains send one token, the one every other chain sends too: they share one frozen list of it.
  let shared: readonly string[] = NO_TOKENS;
  const listOf = (token: string): readonly string[] => {
    if (shared[0] !== token) shared = Object.freeze([token]);
    return shared;
  };
  return {
    get: (options) => ChainHandle.chainOf((options.context as Context)[key]),
    start(options) {
      const chain: RequestChain = {
        startedAt: Date.now(),
        manager: undefined,
        sentToken: undefined,
        sentValue: undefined,
        tokens: NO_TOKENS,
        replayed: false,
        replayWith: undefined,
      };
      (options.context as Context)[key] = new ChainHandle(chain);
      return chain;
    },
    remember(chain, token) {
      const { tokens } = chain;
      if (tokens.length === 0) chain.tokens = listOf(token);
      else if (!tokens.includes(token)) chain.tokens = Object.freeze([...tokens, token]);
    },
  };
}
