import { ConfigurationError, type TokenManager } from '@tokenrelay/core';
import { type FetchLike, type FetchTokenRefreshOptions, withTokenRefresh } from '@tokenrelay/fetch';
import { useEmulation } from '@tokenrelay/test-utils/vitest';
import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import { echoOf, leakyFetch, rejectionOf } from './harness.ts';

const { fx, emu: oauth, mswUse } = useEmulation();
let manager: TokenManager;

beforeEach(() => {
  manager = fx.manager();
});

const otherSawNoToken = (): void => {
  const seen = oauth.counters.requestsSeenBy(oauth.otherOrigin);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.map((r) => r.authorization)).toEqual(seen.map(() => undefined));
};

const wrap = (inner: FetchLike, options: Partial<FetchTokenRefreshOptions> = {}) =>
  withTokenRefresh(inner, manager, { origins: oauth.apiOrigin, ...options });

describe('a redirect to another origin never carries the token', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`${status}, followed by the wrapper, even over a fetch that would leak it`, async () => {
      const response = await wrap(leakyFetch)(oauth.apiUrl(`/redirect/${status}/landing?q=1`), {
        method: 'POST',
        body: 'payload',
        headers: { 'content-type': 'text/plain', authorization: 'Bearer caller-set' },
      });
      expect(response.status).toBe(200);
      expect(response.redirected).toBe(true);
      expect(response.url).toBe(oauth.otherUrl('/landing?q=1'));
      const echo = await echoOf(response);
      expect(echo.sawAuthorization).toBe(false);
      // 301/302 turn POST into GET, 303 too; 307/308 keep the method and the body.
      const keeps = status === 307 || status === 308;
      expect(echo).toMatchObject({
        method: keeps ? 'POST' : 'GET',
        body: keeps ? 'payload' : null,
        contentType: keeps ? 'text/plain' : null,
      });
      otherSawNoToken();
      expect(oauth.counters.requestsSeenBy(oauth.apiOrigin)[0]?.authorization).toMatch(/^Bearer at_/);
    });
  }

  it("control: the leaky fetch does leak when it follows redirects itself (redirects: 'fetch')", async () => {
    await wrap(leakyFetch, { redirects: 'fetch' })(oauth.apiUrl('/redirect/307/landing'));
    expect(oauth.counters.requestsSeenBy(oauth.otherOrigin)[0]?.authorization).toMatch(/^Bearer at_/);
  });

  it("with redirects: 'fetch' over the global fetch, which drops Authorization across origins", async () => {
    const response = await wrap(fetch, { redirects: 'fetch' })(oauth.apiUrl('/redirect/302/landing'));
    expect((await echoOf(response)).sawAuthorization).toBe(false);
    otherSawNoToken();
  });

  it('a 307 with a stream body re-sends the buffered copy', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const api = wrap(leakyFetch);
    const response = await api(oauth.apiUrl('/redirect/307/landing'), {
      method: 'PUT',
      body,
      duplex: 'half',
    });
    expect(await echoOf(response)).toMatchObject({
      method: 'PUT',
      body: 'streamed',
      sawAuthorization: false,
    });
    otherSawNoToken();
  });
});

describe('redirects within the allowed origins', () => {
  beforeEach(() => {
    mswUse(
      http.all(
        oauth.apiUrl('/moved'),
        () => new HttpResponse(null, { status: 308, headers: { location: '/me' } }),
      ),
    );
  });

  it('keep the token, and a 401 at the end is refreshed and replayed from the first URL', async () => {
    const api = wrap(leakyFetch);
    expect((await echoOf(await api(oauth.apiUrl('/moved')))).tokenSerial).toBe(1);
    oauth.expireAccessTokens();
    const response = await api(oauth.apiUrl('/moved'));
    expect((await echoOf(response)).tokenSerial).toBe(2);
    expect(response.url).toBe(oauth.apiUrl('/me'));
    expect(oauth.counters.successfulRefreshes).toBe(1);
  });

  it('are returned as they are when the caller asks for redirect: manual', async () => {
    const response = await wrap(fetch)(oauth.apiUrl('/moved'), { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/me');
  });
});

describe('redirect limits', () => {
  it('gives up after 20 redirects with a TypeError, as fetch does', async () => {
    let calls = 0;
    mswUse(
      http.get(oauth.apiUrl('/loop'), () => {
        calls += 1;
        return new HttpResponse(null, { status: 302, headers: { location: '/loop' } });
      }),
    );
    const error = await rejectionOf(wrap(fetch)(oauth.apiUrl('/loop')));
    expect(error).toBeInstanceOf(TypeError);
    expect(calls).toBe(21);
  });

  it('refuses a redirect to a URL that is not http(s)', async () => {
    mswUse(
      http.get(
        oauth.apiUrl('/to-file'),
        () => new HttpResponse(null, { status: 302, headers: { location: 'file:///etc/passwd' } }),
      ),
    );
    expect(await rejectionOf(wrap(fetch)(oauth.apiUrl('/to-file')))).toBeInstanceOf(TypeError);
  });

  it("tells a browser-like fetch (opaque redirects) to use redirects: 'fetch'", async () => {
    const browserLike: FetchLike = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.redirect !== 'manual' || response.status < 300 || response.status > 399) return response;
      Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
      return response;
    };
    const error = await rejectionOf(wrap(browserLike)(oauth.apiUrl('/redirect/302/x')));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toContain("redirects: 'fetch'");
    expect(oauth.counters.requestsSeenBy(oauth.otherOrigin)).toHaveLength(0);
  });

  it("redirects: 'fetch' with a custom headerName: a followed request is refused before anything is sent", async () => {
    const api = wrap(fetch, { redirects: 'fetch', headerName: 'X-Api-Token' });
    const error = await rejectionOf(api(oauth.apiUrl('/redirect/302/x')));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(String((error as Error).message)).toContain("redirect: 'manual'");
    expect(oauth.counters.requestLog).toHaveLength(0);
    // Not followed by fetch: sent (the emulated API wants a Bearer Authorization, so it answers 401).
    const manual = await api(oauth.apiUrl('/redirect/302/x'), { redirect: 'manual' });
    expect(manual.status).toBe(401);
    expect(oauth.counters.requestsSeenBy(oauth.apiOrigin).length).toBeGreaterThan(0);
    expect(oauth.counters.requestsSeenBy(oauth.otherOrigin)).toHaveLength(0);
  });
});
