/**
 * `fetch(url)` with no init, on a manager that answers at once (a fresh token it has handed out before, taken
 * without a promise): the state of a steady stream of requests, where most tests start from a new manager. Each
 * test first warms the manager. (flow.test.ts runs its 401 tests on a warmed manager too: concurrent 401s and a
 * second 401 are checked there.)
 */
import { inspect } from 'node:util';
import type { TokenManager } from '@tokenrelay/core';
import { type FetchLike, type FetchTokenRefreshOptions, withTokenRefresh } from '@tokenrelay/fetch';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { echoOf, leakyFetch, rejectionOf, warm } from './harness.ts';

const { fx, emu: oauth, mswUse } = useEmulation();
let manager: TokenManager;

beforeEach(async () => {
  manager = fx.manager();
  await warm(manager);
});

const apiLog = () => oauth.counters.requestsSeenBy(oauth.apiOrigin);

const wrap = (inner: FetchLike = fetch, options: Partial<FetchTokenRefreshOptions> = {}) =>
  withTokenRefresh(inner, manager, { origins: oauth.apiOrigin, ...options });

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
