/**
 * What the hooks remember about one request: a "chain" is one `got()` call and everything got derives from it
 * (its redirects, got's own retries, our replay). It starts in a got handler, which runs once per call (a page of
 * `got.paginate` is a call of its own). Got clones `options.context` shallowly for every retry and redirect, so a
 * handle stored there under a private symbol reaches every hook of the chain; the state itself (which holds the
 * header value we sent) lives in a WeakMap, so it never shows up when options are logged or inspected.
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

export interface ChainRegistry {
  /** The chain the options belong to, if a hook of this registry has seen it. */
  get(options: { readonly context: object }): RequestChain | undefined;
  /** Starts a new chain on these options (overwrites a handle inherited from other options). */
  start(options: { readonly context: object }, prefixUrl: string | undefined): RequestChain;
}

/** One registry per `tokenRefresh()` call, so two managers on one client never share state. */
export function createChainRegistry(): ChainRegistry {
  const key = Symbol('tokenrelay.got.chain');
  const chains = new WeakMap<object, RequestChain>();
  return {
    get(options) {
      const handle = (options.context as Context)[key];
      return typeof handle === 'object' && handle !== null ? chains.get(handle) : undefined;
    },
    start(options, prefixUrl) {
      const handle = Object.freeze({});
      const chain: RequestChain = {
        prefixUrl,
        policy: undefined,
        sent: undefined,
        replayed: false,
        replayWith: undefined,
      };
      chains.set(handle, chain);
      (options.context as Context)[key] = handle;
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
