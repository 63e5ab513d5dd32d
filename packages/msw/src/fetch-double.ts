import type { FetchLike } from './options.ts';

/**
 * A fetch-compatible function over an in-process handler, with fetch's observable behaviour: it rejects with a
 * `TypeError` on a network error, with the signal's reason on abort, follows redirects (at most 20) unless told
 * otherwise, and drops `Authorization` when a redirect leaves the origin (WHATWG Fetch, as undici does).
 */

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const untilAborted = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> => {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
};

const withUrl = (response: Response, url: string, redirected: boolean): Response => {
  Object.defineProperty(response, 'url', { value: url });
  Object.defineProperty(response, 'redirected', { value: redirected });
  return response;
};

export function createFetchDouble(handle: (request: Request) => Promise<Response>): FetchLike {
  return async (input, init) => {
    const first = new Request(input, init);
    const { signal } = first;
    let url = first.url;
    let method = first.method;
    const headers = new Headers(first.headers);
    let body: ArrayBuffer | undefined = first.body === null ? undefined : await first.arrayBuffer();
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      signal.throwIfAborted();
      const request = new Request(url, { method, headers, signal, ...(body === undefined ? {} : { body }) });
      const response = await untilAborted(handle(request), signal);
      if (response.type === 'error') {
        throw new TypeError('fetch failed', { cause: new Error('connection closed by the emulated server') });
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || first.redirect === 'manual') {
        return withUrl(response, url, hop > 0);
      }
      if (first.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error('redirect') });
      const next = new URL(location, url);
      if ((response.status === 303 && method !== 'HEAD') || (response.status <= 302 && method === 'POST')) {
        method = 'GET';
        body = undefined;
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language']) {
          headers.delete(name);
        }
      }
      if (next.origin !== new URL(url).origin) {
        headers.delete('authorization');
        headers.delete('proxy-authorization');
        headers.delete('cookie');
      }
      url = next.href;
    }
    throw new TypeError('fetch failed', { cause: new Error('too many redirects') });
  };
}
