import { describe, expect, it } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer } from '../src/oauth-server.ts';

/** The emulation's options and routes for origin-scoping, leak-scanning and long-running tests. */

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('echo origins', () => {
  const echo = ['http://api.example.test', 'https://api.example.test:8443', 'https://sub.api.example.test'];

  it('answer like the other origin, and record what Authorization they saw', async () => {
    const emu = createOAuthServer({ echoOrigins: echo });
    expect(emu.echoOrigins).toEqual(echo);
    for (const origin of echo) {
      const response = await emu.fetch(`${origin}/x?y=1`, { headers: bearer('leaked') });
      expect(await response.json()).toMatchObject({ origin, path: '/x?y=1', sawAuthorization: true });
      // A token the server never issued is still kept out of the log.
      expect(emu.counters.requestsSeenBy(origin).map((r) => r.authorization)).toEqual([
        'Bearer <unknown token>',
      ]);
    }
    expect(emu.counters.apiRequests).toBe(0);
  });

  it('answer /status/{4xx|5xx} with that status, a 401 with a Bearer challenge', async () => {
    const emu = createOAuthServer({ echoOrigins: echo });
    const unauthorized = await emu.fetch(`${emu.otherOrigin}/status/401`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await emu.fetch(`${echo[1]}/status/503`)).status).toBe(503);
    expect((await emu.fetch(`${echo[1]}/status/204`)).status).toBe(200);
  });

  it('must differ from each other and from the auth, API and other origins', () => {
    expect(() => createOAuthServer({ echoOrigins: ['https://api.example.test:443'] })).toThrow(/must differ/);
    expect(() => createOAuthServer({ echoOrigins: [echo[0] ?? '', `${echo[0]}/path`] })).toThrow(
      /must differ/,
    );
  });
});

describe('API routes', () => {
  it('/redirect-to/{status}?location= redirects anywhere; the fetch double drops the token across origins', async () => {
    const emu = createOAuthServer({ echoOrigins: ['https://sub.api.example.test'] });
    const { accessToken } = emu.issueTokens();
    const target = 'https://sub.api.example.test/landing?q=1';
    const url = emu.apiUrl(`/redirect-to/307?location=${encodeURIComponent(target)}`);
    const manual = await emu.fetch(url, { headers: bearer(accessToken), redirect: 'manual' });
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe(target);
    const followed = await emu.fetch(url, { method: 'POST', headers: bearer(accessToken), body: 'kept' });
    expect(await followed.json()).toMatchObject({
      path: '/landing?q=1',
      body: 'kept',
      sawAuthorization: false,
    });
  });

  it('/network-error drops the connection whatever the token', async () => {
    const emu = createOAuthServer();
    await expect(emu.fetch(emu.apiUrl('/network-error'))).rejects.toBeInstanceOf(TypeError);
    expect(emu.counters.requestLog).toMatchObject([{ path: '/network-error', status: 0 }]);
  });
});

describe('request log options', () => {
  it('captureRequests records every header and the body; issuedRefreshTokens lists every refresh token', async () => {
    const emu = createOAuthServer({ captureRequests: true });
    const { accessToken, refreshToken } = emu.issueTokens();
    await emu.fetch(emu.apiUrl('/things'), {
      method: 'POST',
      headers: { ...bearer(accessToken), 'content-type': 'application/json', 'x-extra': 'yes' },
      body: JSON.stringify({ a: 1 }),
    });
    const refreshed = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    const { refresh_token: rotated } = (await refreshed.json()) as { refresh_token: string };
    const [api, token] = emu.counters.requestLog;
    expect(api).toMatchObject({
      authorization: 'Bearer <access token #1>',
      headers: { authorization: 'Bearer <access token #1>', 'x-extra': 'yes' },
      body: '{"a":1}',
    });
    expect(token).toMatchObject({
      authorization: 'Basic <client credentials>',
      body: 'grant_type=refresh_token&refresh_token=<refresh token #1>',
    });
    const logged = JSON.stringify(emu.counters.requestLog);
    for (const secret of [accessToken, refreshToken, rotated, emu.clientSecret])
      expect(logged).not.toContain(secret);
    expect(emu.issuedRefreshTokens()).toEqual([refreshToken, rotated]);
  });

  it('redacts client secrets sent in the body, and unredactedLog keeps everything', async () => {
    const post = async (unredactedLog: boolean): Promise<string> => {
      const emu = createOAuthServer({
        captureRequests: true,
        unredactedLog,
        clients: [{ clientId: 'app', clientSecret: 'p@ss w/rd', auth: 'client_secret_post' }],
      });
      await emu.fetch(emu.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: 'app',
          client_secret: 'p@ss w/rd',
        }),
      });
      return emu.counters.requestLog[0]?.body ?? '';
    };
    expect(await post(false)).toBe(
      'grant_type=client_credentials&client_id=app&client_secret=<client secret>',
    );
    expect(await post(true)).toBe('grant_type=client_credentials&client_id=app&client_secret=p%40ss+w%2Frd');
  });

  it('records no headers or body unless asked', async () => {
    const emu = createOAuthServer();
    await emu.fetch(emu.otherUrl('/x'), { method: 'POST', body: 'b' });
    const [record] = emu.counters.requestLog;
    expect(record).toMatchObject({ method: 'POST', path: '/x' });
    expect(record).not.toHaveProperty('headers');
    expect(record).not.toHaveProperty('body');
  });

  it('requestLogLimit keeps the latest records only', async () => {
    const emu = createOAuthServer({ requestLogLimit: 3 });
    for (const n of [1, 2, 3, 4, 5]) await emu.fetch(emu.otherUrl(`/n/${n}`));
    expect(emu.counters.requestLog.map((r) => r.path)).toEqual(['/n/3', '/n/4', '/n/5']);
    expect(() => createOAuthServer({ requestLogLimit: 0 })).toThrow(RangeError);
  });
});
