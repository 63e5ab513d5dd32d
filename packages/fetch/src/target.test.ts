/**
 * The wrapper hands the request URL to the origin policy without making a URL object of its own. A URL that fetch
 * cannot use is still left alone, also under `origins: '*'`, whose policy takes any string: no token is asked for
 * and none is sent.
 */
import { createTokenManager } from '@tokenrelay/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from './types.ts';
import { withTokenRefresh } from './with-token-refresh.ts';

const manager = createTokenManager({
  tokens: { accessToken: 'at-1', refreshToken: 'rt-1' },
  refresh: () => Promise.reject(new Error('not expected')),
});
afterEach(() => vi.restoreAllMocks());

const recording = (): { fetch: FetchLike; seen: (string | null)[] } => {
  const seen: (string | null)[] = [];
  const fetch: FetchLike = async (_input, init) => {
    seen.push(new Headers(init?.headers).get('authorization'));
    return new Response('ok');
  };
  return { fetch, seen };
};

describe.each(['*', ['https://api.test']] as const)('origins %j', (origins) => {
  it('a URL fetch cannot use goes out untouched, without asking for a token', async () => {
    const { fetch, seen } = recording();
    const ask = vi.spyOn(manager, 'getAccessToken');
    const api = withTokenRefresh(fetch, manager, { origins });
    for (const input of ['/relative', 'api.test/x', 'https://', 'http://[::1']) {
      expect((await api(input)).status).toBe(200);
    }
    expect(seen).toEqual([null, null, null, null]);
    expect(ask).not.toHaveBeenCalled();
  });

  it('an allowed URL, as a string, a URL or a Request, gets the token', async () => {
    const { fetch, seen } = recording();
    const api = withTokenRefresh(fetch, manager, { origins });
    await api('https://api.test/a');
    await api(new URL('https://api.test/b'));
    await api(new Request('https://api.test/c'));
    expect(seen).toEqual(['Bearer at-1', 'Bearer at-1', 'Bearer at-1']);
  });
});
