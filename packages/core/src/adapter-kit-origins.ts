/** Which origins get the token: exact scheme, host and port, decided once per client. */
import { ConfigurationError } from './errors.ts';

/** Origins that get the token: `'*'` (any, must be said explicitly), or a list of origins or URLs. */
export type OriginsOption = '*' | string | URL | readonly (string | URL)[];

/** Whether a request URL may carry the token. Origins compare exactly: scheme, host and port. */
export type OriginPolicy = (url: string | URL) => boolean;

const toOrigin = (value: string | URL): string => {
  try {
    const origin = new URL(value).origin;
    if (origin === 'null') throw new TypeError('opaque origin');
    return origin;
  } catch (cause) {
    throw new ConfigurationError('An entry of `origins` is not an absolute http(s) URL or origin', { cause });
  }
};

/** The origin of a URL, or `undefined` when it has none (relative, opaque or invalid). */
export function originOf(url: string | URL): string | undefined {
  try {
    const { origin } = url instanceof URL ? url : new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

const AUTHORITY_PREFIX = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/;
const MAX_REMEMBERED_PREFIXES = 256;
const SLASH = 0x2f;

/**
 * Builds the origin policy. `origins` wins; otherwise `fallback` (the client's own base URL when the adapter is
 * attached); with neither, a `ConfigurationError` (a token must never go everywhere by default).
 */
export function createOriginPolicy(
  origins: OriginsOption | undefined,
  fallback?: string | URL,
): OriginPolicy {
  // Any origin, but only a URL a client could send to (a string that does not parse is left to the client).
  if (origins === '*') return (url) => typeof url !== 'string' || URL.canParse(url);
  const list = origins === undefined ? (fallback === undefined ? [] : [fallback]) : [origins].flat();
  if (list.length === 0) {
    throw new ConfigurationError(
      'No origins to send the token to: pass `origins`, or give the client its base URL before (or together with) the adapter; use "*" only on purpose',
    );
  }
  const allowed = new Set(list.map(toOrigin));
  const decide = (url: string | URL): boolean => {
    const origin = originOf(url);
    return origin !== undefined && allowed.has(origin);
  };
  // Decisions remembered per `scheme://authority` prefix of a string URL: a URL's origin depends only on the text
  // before the first `/`, `?` or `#` after `//`, so the same prefix always gets the same answer. Saves a URL parse
  // per request; bounded, so arbitrary URLs cannot grow it.
  const known = new Map<string, boolean>();
  // And the last `scheme://authority/` seen with its answer: a URL whose text starts with it has that very prefix
  // (the authority ends at that slash), so a client sending to its own origin again compares one string.
  let last: { readonly slashed: string; readonly answer: boolean } | undefined;
  return (url) => {
    if (typeof url !== 'string') return decide(url);
    if (last !== undefined && url.startsWith(last.slashed)) return last.answer;
    const prefix = AUTHORITY_PREFIX.exec(url)?.[0];
    if (prefix === undefined) return decide(url);
    let answer = known.get(prefix);
    if (answer === undefined) {
      answer = decide(url);
      if (known.size < MAX_REMEMBERED_PREFIXES) known.set(prefix, answer);
    }
    if (url.charCodeAt(prefix.length) === SLASH) last = { slashed: `${prefix}/`, answer };
    return answer;
  };
}
