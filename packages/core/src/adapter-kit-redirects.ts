/**
 * Redirects of token-carrying requests, followed here rather than by the fetch underneath (the fetch wrapper's
 * `redirects: 'wrapper'`, and ky with a custom header name, which fetch would forward): the first hop was sent with
 * `redirect: 'manual'`, and every further hop is too. The rules are those of the
 * Fetch standard's HTTP-redirect fetch, plus one: the token goes only to hops whose origin is allowed. Which
 * headers a hop to another origin drops is the kit's rule (`headersToDrop`), the same in every adapter.
 */
import { headersToDrop } from './adapter-kit-headers.ts';
import type { OriginPolicy } from './adapter-kit-origins.ts';
import { ConfigurationError } from './errors.ts';

/** A fetch-compatible function: what the hops are sent with. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

const MAX_REDIRECTS = 20;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = [
  'content-encoding',
  'content-language',
  'content-location',
  'content-type',
  'content-length',
];

/** One request of a redirect chain. */
export interface Hop {
  readonly url: URL;
  readonly method: string;
  readonly headers: Headers;
  /** False once a 301/302/303 turned the request into a GET without body. */
  readonly withBody: boolean;
}

export interface RedirectContext {
  readonly fetch: FetchLike;
  readonly isAllowed: OriginPolicy;
  readonly headerName: string;
  readonly headerValue: string;
  /** Init fields every hop keeps (signal, credentials, a dispatcher, ...): no method, headers, body, redirect. */
  readonly carry: RequestInit;
  /** A fresh copy of the request body, or `undefined` without one; rejects when there is no copy. */
  readonly body: () => Promise<BodyInit | undefined>;
  /** What to do when the fetch hides redirect responses (a browser): said in the `ConfigurationError`. */
  readonly opaqueHint: string;
}

/** A final response, and whether the request that got it carried the token. */
export interface Sent {
  readonly response: Response;
  readonly carriedToken: boolean;
}

/** Drops a response body nobody will read, so that its connection is released. */
export function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

const networkError = (cause: unknown): TypeError => new TypeError('fetch failed', { cause });

/** Gives the final response of a chain the `url` and `redirected` that fetch's own following would give it. */
function relabel(response: Response, url: URL): Response {
  Object.defineProperty(response, 'url', { value: url.href, configurable: true });
  Object.defineProperty(response, 'redirected', { value: true, configurable: true });
  return response;
}

function nextHop(hop: Hop, status: number, next: URL, ctx: RedirectContext): Hop {
  const headers = new Headers(hop.headers);
  let { method, withBody } = hop;
  if (
    ((status === 301 || status === 302) && method === 'POST') ||
    (status === 303 && method !== 'GET' && method !== 'HEAD')
  ) {
    method = 'GET';
    withBody = false;
    for (const name of BODY_HEADERS) headers.delete(name);
  }
  const drop = headersToDrop(hop.url, next, ctx.isAllowed, ctx.headerName);
  for (const name of drop) headers.delete(name);
  // The token goes on to every hop the policy allows (the new token, when a redirect follows a replay).
  if (drop.length > 0 && ctx.isAllowed(next)) headers.set(ctx.headerName, ctx.headerValue);
  return { url: next, method, headers, withBody };
}

/** The `Location` of a redirect response; `null` when the response is not one to follow. */
const locationOf = (response: Response): string | null =>
  REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;

/** Whether `followRedirects` has anything to do with this response (most responses are final). */
export const isRedirect = (response: Response): boolean =>
  response.type === 'opaqueredirect' || locationOf(response) !== null;

/** Follows the redirects of `response`, the answer to `start`, and returns the final response. */
export async function followRedirects(response: Response, start: Hop, ctx: RedirectContext): Promise<Sent> {
  let current = response;
  let hop = start;
  for (let count = 0; ; count += 1) {
    if (current.type === 'opaqueredirect') {
      discard(current);
      throw new ConfigurationError(
        `The fetch underneath hides redirect responses (as browsers do): ${ctx.opaqueHint}`,
      );
    }
    const location = locationOf(current);
    if (location === null) {
      return {
        response: count === 0 ? current : relabel(current, hop.url),
        carriedToken: ctx.isAllowed(hop.url),
      };
    }
    discard(current);
    if (count === MAX_REDIRECTS) throw networkError(new Error('redirect count exceeded'));
    let next: URL;
    try {
      next = new URL(location, hop.url);
    } catch (cause) {
      throw networkError(cause);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw networkError(new Error('redirect to a URL that is not http(s)'));
    }
    hop = nextHop(hop, current.status, next, ctx);
    let body: BodyInit | undefined;
    if (hop.withBody) {
      try {
        body = await ctx.body();
      } catch (cause) {
        throw networkError(cause);
      }
    }
    current = await ctx.fetch(next.href, {
      ...ctx.carry,
      method: hop.method,
      headers: hop.headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
  }
}
