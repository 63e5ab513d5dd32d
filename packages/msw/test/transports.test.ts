import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer } from '../src/oauth-server.ts';
import type { ApiEcho } from '../src/options.ts';
import { startMsw } from './support.ts';

const refreshBody = (refreshToken: string): URLSearchParams =>
  new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });

describe('msw transport', () => {
  const emu = createOAuthServer({
    issuer: 'https://login.example.test',
    apiOrigin: 'https://data.example.test',
  });
  let msw: ReturnType<typeof startMsw>;
  beforeAll(() => {
    msw = startMsw(
      emu,
      http.get('https://extra.example.test/ping', () => HttpResponse.text('pong')),
    );
  });
  afterAll(() => msw.close());

  it('serves the token endpoint and the API to the global fetch', async () => {
    const { refreshToken } = emu.issueTokens();
    const response = await fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
      },
      body: refreshBody(refreshToken),
    });
    expect(emu.tokenEndpoint).toBe('https://login.example.test/token');
    expect(response.status).toBe(200);
    const { access_token: accessToken } = (await response.json()) as { access_token: string };
    const echo = await fetch(emu.apiUrl('/me'), { headers: { authorization: `Bearer ${accessToken}` } });
    expect(((await echo.json()) as ApiEcho).tokenSerial).toBe(2);
  });

  it('serves extra handlers passed beside the emulator', async () => {
    expect(await (await fetch('https://extra.example.test/ping')).text()).toBe('pong');
  });

  it('turns a dropped connection into a fetch rejection', async () => {
    emu.faults.enqueue({ type: 'network-error' });
    await expect(fetch(emu.tokenEndpoint, { method: 'POST' })).rejects.toBeInstanceOf(TypeError);
  });

  it('fails requests to origins it does not serve', async () => {
    const failure: unknown = await fetch('https://unknown.example.test/').catch((error: unknown) => error);
    // msw refused it (its unhandled-request strategy 'error'), not DNS: msw 3 as a TypeError's cause, msw 2 directly.
    expect(failure).toBeInstanceOf(Error);
    expect(`${String(failure)} ${String((failure as Error).cause)}`).toContain('[MSW]');
  });
});

describe('loopback listeners', () => {
  it('serves auth, API and other origin on three 127.0.0.1 ports sharing one state', async () => {
    const emu = createOAuthServer();
    const live = await emu.listen();
    try {
      const origins = [live.authOrigin, live.apiOrigin, live.otherOrigin];
      for (const origin of origins) expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(new Set(origins).size).toBe(3);

      const { refreshToken } = emu.issueTokens();
      const token = await fetch(live.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
        },
        body: refreshBody(refreshToken),
      });
      expect(token.status).toBe(200);
      const { access_token: accessToken } = (await token.json()) as { access_token: string };

      const missing = await fetch(live.apiUrl('/me'));
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);

      const posted = await fetch(live.apiUrl('/items'), {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ a: 1 }),
      });
      expect(await posted.json()).toMatchObject({
        ok: true,
        origin: live.apiOrigin,
        body: { a: 1 },
        tokenSerial: 2,
      });

      expect(emu.counters.requestsSeenBy(live.authOrigin)).toMatchObject([
        { method: 'POST', path: '/token', status: 200, authorization: expect.stringMatching(/^Basic /) },
      ]);

      // Node's fetch follows the cross-origin redirect and drops the token; the other origin records it.
      const redirected = await fetch(live.apiUrl('/redirect/302/landing'), {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(redirected.url).toBe(live.otherUrl('/landing'));
      expect(await redirected.json()).toMatchObject({ sawAuthorization: false });
      expect(emu.counters.requestsSeenBy(live.otherOrigin)).toEqual([
        { origin: live.otherOrigin, method: 'GET', path: '/landing', authorization: undefined, status: 200 },
      ]);
    } finally {
      await live.close();
    }
  });

  it('drops the socket for a network-error fault', async () => {
    const emu = createOAuthServer();
    const live = await emu.listen();
    try {
      emu.faults.enqueue({ type: 'lost-after-rotation', status: 'network-error' });
      const { refreshToken } = emu.issueTokens();
      const attempt = fetch(live.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
        },
        body: refreshBody(refreshToken),
      });
      await expect(attempt).rejects.toBeInstanceOf(TypeError);
      expect(emu.counters.successfulRefreshes).toBe(1);
      expect(emu.counters.requestsSeenBy(live.authOrigin)).toMatchObject([{ path: '/token', status: 0 }]);
    } finally {
      await live.close();
    }
  });

  it('closes promptly with a request in flight, then refuses connections', async () => {
    const emu = createOAuthServer();
    const live = await emu.listen();
    emu.faults.apiLatency = () => 5_000;
    const inFlight = fetch(live.apiUrl('/me')).then(
      (response) => response.status,
      (error: unknown) => error,
    );
    for (let i = 0; i < 200 && emu.counters.apiRequests === 0; i += 1)
      await new Promise((r) => setTimeout(r, 5));
    expect(emu.counters.apiRequests).toBe(1);
    const started = performance.now();
    await live.close();
    await live.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await inFlight).toBeInstanceOf(TypeError);
    await expect(fetch(live.apiUrl('/me'))).rejects.toBeInstanceOf(TypeError);
  });
});
