/** A cookie jar for one origin, enough to carry oidc-provider's interaction and session cookies. */
export interface CookieJar {
  /** Reads every `Set-Cookie` of `response`, which answered a request to `url`. */
  store(url: URL, response: Response): void;
  /** The `Cookie` header value for a request to `url`, or `undefined` when no cookie applies. */
  header(url: URL): string | undefined;
}

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
  /** Epoch ms; `undefined` for a session cookie. */
  readonly expiresAt: number | undefined;
}

const defaultPath = (url: URL): string => {
  const lastSlash = url.pathname.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : url.pathname.slice(0, lastSlash);
};

const pathMatches = (requestPath: string, cookiePath: string): boolean =>
  requestPath === cookiePath ||
  (requestPath.startsWith(cookiePath) &&
    (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'));

const parseSetCookie = (line: string, url: URL, now: number): StoredCookie | undefined => {
  const [pair = '', ...attributes] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  let path = defaultPath(url);
  let expiresAt: number | undefined;
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (key === 'path' && value.startsWith('/')) path = value;
    else if (key === 'max-age') expiresAt = now + Number(value) * 1000;
    else if (key === 'expires' && expiresAt === undefined) expiresAt = Date.parse(value);
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path, expiresAt };
};

/** RFC 6265 in miniature: name + path identify a cookie, expired ones are dropped, longer paths go first. */
export function createCookieJar(now: () => number = Date.now): CookieJar {
  const cookies = new Map<string, StoredCookie>();
  return {
    store(url, response) {
      for (const line of response.headers.getSetCookie()) {
        const cookie = parseSetCookie(line, url, now());
        if (!cookie) continue;
        const key = `${cookie.name}\u0000${cookie.path}`;
        if (cookie.expiresAt !== undefined && !(cookie.expiresAt > now())) cookies.delete(key);
        else cookies.set(key, cookie);
      }
    },
    header(url) {
      const at = now();
      const matching = [...cookies.values()]
        .filter((c) => (c.expiresAt === undefined || c.expiresAt > at) && pathMatches(url.pathname, c.path))
        .sort((a, b) => b.path.length - a.path.length);
      return matching.length === 0 ? undefined : matching.map((c) => `${c.name}=${c.value}`).join('; ');
    },
  };
}
