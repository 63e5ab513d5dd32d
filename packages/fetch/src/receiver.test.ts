/**
 * A browser's `window.fetch` checks its receiver and throws "Illegal invocation" when called as a method of any other
 * object. The wrapper must call the fetch it was given as a plain function, on every path (with and without a token,
 * the opt-out, the replay after a 401, a redirect it follows itself).
 */
import { createTokenManager } from '@tokenrelay/core';
import { describe, expect, it } from 'vitest';
import type { FetchLike } from './types.ts';
import { withTokenRefresh } from './with-token-refresh.ts';

/** Like a browser's fetch: only a call with no receiver (or globalThis) is legal. */
function brandCheckedFetch(answer: (url: string, calls: number) => Response): {
  fetch: FetchLike;
  calls: () => number;
} {
  let calls = 0;
  const fetch = function (this: unknown, input: RequestInfo | URL): Promise<Response> {
    if (this !== undefined && this !== globalThis) throw new TypeError('Illegal invocation');
    calls += 1;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return Promise.resolve(answer(url, calls));
  } as FetchLike;
  return { fetch, calls: () => calls };
}

describe('the fetch given to withTokenRefresh is called without a receiver', () => {
  it('a plain request, the opt-out, a replay after a 401 and a followed redirect all work', async () => {
    let issued = 0;
    const manager = createTokenManager({
      tokens: { accessToken: 'at-0', refreshToken: 'rt-0' },
      refresh: async () => {
        issued += 1;
        return { accessToken: `at-${issued}`, expiresIn: 3600 };
      },
    });
    const { fetch, calls } = brandCheckedFetch((url, n) => {
      if (url.endsWith('/moved')) return new Response(null, { status: 302, headers: { location: '/ok' } });
      if (url.endsWith('/401-once') && n === 3) return new Response(null, { status: 401 });
      return new Response('ok');
    });
    const api = withTokenRefresh(fetch, manager, { origins: ['https://api.test'] });
    try {
      expect((await api('https://api.test/ok')).status).toBe(200);
      expect((await api('https://api.test/ok', { tokenRelay: false })).status).toBe(200);
      expect((await api('https://api.test/401-once')).status).toBe(200);
      expect(issued).toBe(1);
      expect((await api('https://api.test/moved')).status).toBe(200);
      expect(calls()).toBe(6);
    } finally {
      manager.dispose();
    }
  });
});
