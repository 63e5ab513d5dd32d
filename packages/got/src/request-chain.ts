/**
 * What the hooks remember about one request: a "chain" is one `got()` call and everything got derives from it
 * (its redirects, got's own retries, our replay). It starts in a got handler, which runs once per call (a page of
 * `got.paginate` is a call of its own). Got clones `options.context` shallowly for every retry and redirect, so a
 * handle stored there under a private symbol reaches every hook of the chain; the state itself (which holds the
 * header value we sent) lives in the handle's private field, so it never shows up when options are logged,
 * inspected or serialized (the handle prints as `ChainHandle {}`). A private field rather than a WeakMap keyed by
 * the handle: a WeakMap entry per request cost about a microsecond and extra garbage-collector work.
 */
import type { AccessToken, OriginPolicy } from '@tokenrelay/core';

export interface SentToken {
  /** The header value as sent, e.g. `Bearer abc`. */
  readonly value: string;
  /** The raw access token, for `manager.refresh({ failedToken })`. */
  readonly token: string;
}

export interface RequestChain {
  /** The request's `prefixUrl` when the chain started (got may clear it later, e.g. got 14 on a replay). */
  readonly prefixUrl: string | undefined;
  /** The origins this chain may send the token to; built at its first `beforeRequest`. */
  policy: OriginPolicy | undefined;
  /** What the latest attempt carried; `undefined` when it went out without our token. */
  sent: SentToken | undefined;
  /** Set once the chain has been replayed after a refresh: it never is again. */
  replayed: boolean;
  /** The token `manager.refresh()` returned, for the replay's `beforeRequest`. */
  replayWith: AccessToken | undefined;
}

type Context = Record<PropertyKey, unknown>;

/** The value stored in `context`: it holds its chain where printing and serializing cannot reach it. */
class ChainHandle {
  readonly #chain: RequestChain;
  constructor(chain: RequestChain) {
    this.#chain = chain;
  }
  static chainOf(value: unknown): RequestChain | undefined {
    return typeof value === 'object' && value !== null && #chain in value
      ? (value as ChainHandle).#chain
      : undefined;
  }
}

export interface ChainRegistry {
  /** The chain the options belong to, if a hook of this registry has seen it. */
  get(options: { readonly context: object }): RequestChain | undefined;
  /** Starts a new chain on these options (overwrites a handle inherited from other options). */
  start(options: { readonly context: object }, prefixUrl: string | undefined): RequestChain;
}

/** One registry per `tokenRefresh()` call (its own symbol), so two managers on one client never share state. */
export function createChainRegistry(): ChainRegistry {
  const key = Symbol('tokenrelay.got.chain');
  return {
    get: (options) => ChainHandle.chainOf((options.context as Context)[key]),
    start(options, prefixUrl) {
      const chain: RequestChain = {
        prefixUrl,
        policy: undefined,
        sent: undefined,
        replayed: false,
        replayWith: undefined,
      };
      (options.context as Context)[key] = new ChainHandle(chain);
      return chain;
    },
  };
}

/**
 * Bodies that an upload consumes, so got cannot send them again: Node streams, Web `ReadableStream`s and iterator
 * objects (generators). A `FormData` is one of them too: got serializes it into a stream or generator before any
 * hook runs. Strings, buffers, typed arrays, `json` and `form` are sent again as they are.
 */
export function isNonReplayableBody(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as { pipe?: unknown; next?: unknown; getReader?: unknown };
  return (
    typeof candidate.pipe === 'function' ||
    typeof candidate.next === 'function' ||
    typeof candidate.getReader === 'function'
  );
}
