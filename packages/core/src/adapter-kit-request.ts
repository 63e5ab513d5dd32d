/** Facts about a request that every adapter needs and must establish the same way. */

/** Where `location` exists (browsers), relative URLs resolve against it, as the clients do there. */
export function pageUrl(): string | undefined {
  const location = (globalThis as { location?: { href?: unknown } }).location;
  return typeof location?.href === 'string' ? location.href : undefined;
}

/** A fetch `Request`, also from another realm or another copy of undici. */
export function isRequest(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value instanceof Request || Object.prototype.toString.call(value) === '[object Request]')
  );
}

/**
 * Whether the first send of a request uses its body up, so that it cannot be sent again as it is: Node streams,
 * Web `ReadableStream`s, async iterables and iterator objects (generators). Strings, bytes, `URLSearchParams`,
 * `FormData` and `Blob`s are read afresh on every send.
 */
export function isConsumedByFirstSend(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as {
    pipe?: unknown;
    getReader?: unknown;
    next?: unknown;
    [Symbol.asyncIterator]?: unknown;
  };
  return (
    typeof candidate.pipe === 'function' ||
    typeof candidate.getReader === 'function' ||
    typeof candidate.next === 'function' ||
    typeof candidate[Symbol.asyncIterator] === 'function'
  );
}

/**
 * The replay-once mark: which token a request carried and whether it is the one replay after a refresh. Kept in a
 * private field, so printing or serializing whatever holds the mark never shows the token.
 */
export class SentToken {
  /** This pass is the one replay after a refresh: its refresh-worthy response goes back to the caller as it is. */
  readonly replayed: boolean;
  readonly #token: string;

  constructor(token: string, replayed: boolean) {
    this.#token = token;
    this.replayed = replayed;
  }

  /** The raw access token sent, for `manager.refresh({ failedToken })`. */
  get token(): string {
    return this.#token;
  }

  /** Whether a response to this pass may start a refresh and a replay (only the first pass may). */
  get mayReplay(): boolean {
    return !this.replayed;
  }

  toJSON(): { replayed: boolean } {
    return { replayed: this.replayed };
  }
}
