/**
 * `fetch(url)` with no init, on a manager that answers at once (a fresh token it has handed out before), takes the
 * wrapper's shortest path. These are the guarantees of the general path, checked on that one: each test first
 * warms the manager so that its token is fresh and ready, as in a steady stream of requests.
 */
import { inspect } from 'node:util';
import type { TokenManager } from '@tokenrelay/core';
import { type FetchLike, type FetchTokenRefreshOptions, withTokenRefresh } from '@tokenrelay/fetch';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { echoOf, rejectionOf } from './harness.ts';

const { fx, emu: oauth, mswUse } = useEmulation();
let manager: TokenManager;

/** Until the manager answers without waiting (a few calls at most): the state of a client in steady use. */
const warm = async (target: TokenManager): Promise<void> => {
  for (let i = 0; i < 5 && target.peekAccessToken() === undefined; i++) await target.getAccessToken();
  expect(target.peekAccessToken()).toBeDefined();
};

beforeEach(async () => {
  manager = fx.manager();
  await warm(manager);
});

const apiLog = () => oauth.counters.requestsSeenBy(oauth.apiOrigin);

const wrap = (inner: FetchLike = fetch, options: Partial<FetchTokenRefreshOptions> = {}) =>
  withTokenRefresh(inner, manager, { origins: oauth.apiOrigin, ...options });

/** Follows redirects itself and keeps every header on every hop; honours `redirect: 'manual'`. */
const leakyFetch: FetchLike = async (input, init) => {
  let url = new URL(input instanceof Request ? input.url : input);
  let response = await fetch(url, { ...init, redirect: 'manual' });
  for (let hop = 0; hop < 5 && init?.redirect !== 'manual'; hop += 1) {
    const location = response.headers.get('location');
    if (location === null) break;
    url = new URL(location, url);
    response = await fetch(url, { ...init, redirect: 'manual' });
  }
  return response;
};

describe('fetch(url) on a ready token', () => {
  it('sends the token to the allowed origin only', async () => {
    const api = wrap();
    expect((await echoOf(await api(oauth.apiUrl('/me')))).tokenSerial).toBe(1);
    expect((await echoOf(await api(oauth.otherUrl('/public')))).sawAuthorization).toBe(false);
    expect(oauth.counters.tokenCalls).toBe(0);
  });

  it('on a 401 refreshes once and replays with the new token', async () => {
    const api = wrap();
    oauth.expireAccessTokens();
    const response = await api(oauth.apiUrl('/orders?page=2'));
    expect(response.status).toBe(200);
    expect(await echoOf(response)).toMatchObject({ tokenSerial: 2, method: 'GET', path: '/orders?page=2' });
    expect(oauth.counters.successfulRefreshes).toBe(1);
    expect(apiLog().map((r) => r.status)).toEqual([401, 200]);
  });

  it('on 401s to many concurrent calls refreshes once', async () => {
    const api = wrap();
    oauth.expireAccessTokens();
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => api(oauth.apiUrl(`/n/${i}`))));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const serials = await Promise.all(responses.map(async (r) => (await echoOf(r)).tokenSerial));
    expect(new Set(serials)).toEqual(new Set([2]));
    expect(oauth.counters.tokenCalls).toBe(1);
    expect(oauth.counters.reuseDetections).toBe(0);
  });

  it('returns a second 401 as it is: one replay, no loop', async () => {
    let calls = 0;
    mswUse(
      http.get(oauth.apiUrl('/always-401'), () => {
        calls += 1;
        return HttpResponse.json({ calls }, { status: 401, headers: { 'www-authenticate': 'Bearer' } });
      }),
    );
    const response = await wrap()(oauth.apiUrl('/always-401'));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ calls: 2 });
    expect(oauth.counters.successfulRefreshes).toBe(1);
  });

  it('asks a custom shouldRefresh once per response it looks at', async () => {
    const asked: number[] = [];
    const api = wrap(fetch, {
      shouldRefresh: ({ status }) => {
        asked.push(status);
        return status === 401;
      },
    });
    expect((await api(oauth.apiUrl('/me'))).status).toBe(200);
    oauth.expireAccessTokens();
    expect((await api(oauth.apiUrl('/me'))).status).toBe(200);
    // The replay's answer is returned as it is, never asked about.
    expect(asked).toEqual([200, 401]);
  });

  for (const status of [302, 307]) {
    it(`follows a ${status} to another origin without the token, over a fetch that would leak it`, async () => {
      const response = await wrap(leakyFetch)(oauth.apiUrl(`/redirect/${status}/landing?q=1`));
      expect(response.status).toBe(200);
      expect(response.redirected).toBe(true);
      expect(response.url).toBe(oauth.otherUrl('/landing?q=1'));
      expect((await echoOf(response)).sawAuthorization).toBe(false);
      const seen = oauth.counters.requestsSeenBy(oauth.otherOrigin);
      expect(seen.map((r) => r.authorization)).toEqual([undefined]);
      expect(apiLog()[0]?.authorization).toMatch(/^Bearer at_/);
    });
  }

  it('keeps the token on a same-origin redirect, and a 401 at its end is replayed from the first URL', async () => {
    mswUse(
      http.all(
        oauth.apiUrl('/moved'),
        () => new HttpResponse(null, { status: 308, headers: { location: '/me' } }),
      ),
    );
    const api = wrap(leakyFetch);
    expect((await echoOf(await api(oauth.apiUrl('/moved')))).tokenSerial).toBe(1);
    oauth.expireAccessTokens();
    const response = await api(oauth.apiUrl('/moved'));
    expect((await echoOf(response)).tokenSerial).toBe(2);
    expect(response.url).toBe(oauth.apiUrl('/me'));
    expect(oauth.counters.successfulRefreshes).toBe(1);
  });

  it('rejects a network error without the token in it', async () => {
    const { token } = await manager.getAccessToken();
    const failing: FetchLike = async (_input, init) => {
      throw new TypeError(`fetch failed: ${new Headers(init?.headers).get('authorization')}`);
    };
    const error = await rejectionOf(wrap(failing)(oauth.apiUrl('/me')));
    expect(error).toBeInstanceOf(TypeError);
    expect(`${String(error)} ${inspect(error, { depth: 5 })}`).not.toContain(token);
  });
});
