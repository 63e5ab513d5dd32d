import {
  ConfigurationError,
  isTokenRelayError,
  ReauthRequiredError,
  TokenEndpointError,
  type TokenManager,
} from '@tokenrelay/core';
import { type FetchTokenRefreshOptions, withTokenRefresh } from '@tokenrelay/fetch';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { echoOf, rejectionOf, warm } from './harness.ts';

const { fx, emu: oauth, mswUse } = useEmulation();
let manager: TokenManager;

beforeEach(() => {
  manager = fx.manager();
});

const apiLog = () => oauth.counters.requestsSeenBy(oauth.apiOrigin);

const wrap = (options: Partial<FetchTokenRefreshOptions> = {}) =>
  withTokenRefresh(fetch, manager, { origins: oauth.apiOrigin, ...options });

describe('the token', () => {
  it('goes on requests to the allowed origin and nowhere else', async () => {
    const api = wrap();
    const ok = await echoOf(await api(oauth.apiUrl('/me')));
    expect(ok.tokenSerial).toBe(1);
    const other = await echoOf(await api(oauth.otherUrl('/public')));
    expect(other.sawAuthorization).toBe(false);
    expect(oauth.counters.requestsSeenBy(oauth.otherOrigin)).toHaveLength(1);
  });

  it('is left off with `tokenRelay: false` and with `skip`, and then a 401 is not refreshed', async () => {
    const seen: string[] = [];
    const api = wrap({
      skip: ({ url, method }) => {
        seen.push(`${method} ${url.pathname}`);
        return url.pathname.startsWith('/public');
      },
    });
    expect((await api(oauth.apiUrl('/me'), { tokenRelay: false })).status).toBe(401);
    expect((await api(oauth.apiUrl('/public/x'), { method: 'post', body: 'x' })).status).toBe(401);
    expect(seen).toEqual(['POST /public/x']);
    expect(oauth.counters.tokenCalls).toBe(0);
    expect(oauth.counters.requestLog.map((r) => r.authorization)).toEqual([undefined, undefined]);
  });

  it('is written with headerName and scheme', async () => {
    mswUse(
      http.get(oauth.apiUrl('/custom'), ({ request }) =>
        HttpResponse.json({
          header: request.headers.get('x-api-token'),
          auth: request.headers.get('authorization'),
        }),
      ),
    );
    const api = wrap({ headerName: 'X-Api-Token', scheme: 'Token' });
    const body = (await (await api(oauth.apiUrl('/custom'))).json()) as { header: string; auth: unknown };
    expect(body.header).toMatch(/^Token \S+$/);
    expect(body.auth).toBeNull();
  });
});

for (const ready of [false, true]) {
  describe(ready ? 'a 401, the manager ready (its token taken without a promise)' : 'a 401', () => {
    beforeEach(async () => {
      if (ready) await warm(manager);
    });

    it('refreshes once and replays the request with the new token', async () => {
      const api = wrap();
      oauth.expireAccessTokens();
      const response = await api(oauth.apiUrl('/orders?page=2'), { method: 'POST', body: 'x' });
      expect(response.status).toBe(200);
      const echo = await echoOf(response);
      expect(echo).toMatchObject({ tokenSerial: 2, method: 'POST', path: '/orders?page=2', body: 'x' });
      expect(oauth.counters.successfulRefreshes).toBe(1);
      expect(apiLog().map((r) => r.status)).toEqual([401, 200]);
    });

    it('is followed by one refresh for many concurrent requests', async () => {
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

    it('is not refreshed for insufficient_scope, nor when shouldRefresh says no', async () => {
      expect((await wrap()(oauth.apiUrl('/forbidden'))).status).toBe(403);
      oauth.expireAccessTokens();
      const never = wrap({ shouldRefresh: () => false });
      expect((await never(oauth.apiUrl('/me'))).status).toBe(401);
      expect(oauth.counters.tokenCalls).toBe(0);
    });

    it('on a revoked grant rejects with ReauthRequiredError, the endpoint error kept as cause', async () => {
      const api = wrap();
      const reauth: unknown[] = [];
      manager.on('reauth-required', (event) => reauth.push(event));
      oauth.revokeGrant();
      oauth.expireAccessTokens();
      const error = await rejectionOf(api(oauth.apiUrl('/me')));
      expect(error).toBeInstanceOf(ReauthRequiredError);
      expect((error as ReauthRequiredError).cause).toBeInstanceOf(TokenEndpointError);
      expect(reauth).toHaveLength(1);
      // Later calls fail the same way without a network round trip per call.
      expect(isTokenRelayError(await rejectionOf(api(oauth.apiUrl('/me'))), 'REAUTH_REQUIRED')).toBe(true);
      expect(apiLog().map((r) => r.status)).toEqual([401]);
    });
  });
}

describe('aborts', () => {
  it('reject with the signal reason while the request waits for a refresh, before anything is sent', async () => {
    manager.dispose();
    manager = fx.manager({ tokens: { ...oauth.tokenSet(), expiresAt: Date.now() - 1 } });
    oauth.faults.enqueue({ type: 'latency', ms: 5_000 });
    const controller = new AbortController();
    const reason = new Error('user left the page');
    const pending = wrap()(oauth.apiUrl('/me'), { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    const started = Date.now();
    expect(await rejectionOf(pending)).toBe(reason);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(oauth.counters.apiRequests).toBe(0);
  });

  it('reject with an AbortError when the signal aborted before the call', async () => {
    const error = await rejectionOf(wrap()(oauth.apiUrl('/me'), { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(oauth.counters.apiRequests).toBe(0);
  });

  it('reject with the signal reason while a 401 waits for its refresh', async () => {
    const controller = new AbortController();
    const request = new Request(oauth.apiUrl('/me'), { signal: controller.signal });
    oauth.expireAccessTokens();
    oauth.faults.enqueue({ type: 'latency', ms: 5_000 });
    manager.on('refresh', () => setTimeout(() => controller.abort(), 10));
    const error = await rejectionOf(wrap()(request));
    expect((error as DOMException).name).toBe('AbortError');
    expect(apiLog().map((r) => r.status)).toEqual([401]);
  });
});

describe('configuration', () => {
  it('refuses a missing `origins` and a malformed one with ConfigurationError', () => {
    const noOrigins = {} as FetchTokenRefreshOptions;
    expect(() => withTokenRefresh(fetch, manager, noOrigins)).toThrow(ConfigurationError);
    expect(() => withTokenRefresh(fetch, manager, { origins: 'not a url' })).toThrow(ConfigurationError);
    expect(() => withTokenRefresh(fetch, manager, { origins: [] })).toThrow(ConfigurationError);
    expect(() => wrap({ replayBufferBytes: -1 })).toThrow(ConfigurationError);
    expect(() => wrap({ headerName: 'bad header' })).toThrow(ConfigurationError);
    // @ts-expect-error `origins` is required: fetch has no base URL.
    expect(() => withTokenRefresh(fetch, manager, {})).toThrow(/origins/);
  });

  it("sends the token anywhere only with origins: '*'", async () => {
    const everywhere = withTokenRefresh(fetch, manager, { origins: '*' });
    expect((await echoOf(await everywhere(oauth.otherUrl('/x')))).sawAuthorization).toBe(true);
  });
});
