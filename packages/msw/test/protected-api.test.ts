import { describe, expect, it } from 'vitest';
import { createOAuthServer } from '../src/oauth-server.ts';
import type { ApiEcho } from '../src/options.ts';

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('protected API', () => {
  it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
    const emu = createOAuthServer();
    const response = await emu.fetch(emu.apiUrl('/me'));
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).not.toContain('error=');
    expect(emu.counters).toMatchObject({ unauthorized: 1, apiRequests: 1 });
  });

  it('answers 401 invalid_token for an unknown token and for a Basic header', async () => {
    const emu = createOAuthServer();
    const unknown = await emu.fetch(emu.apiUrl('/me'), { headers: bearer('at_forged') });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const basic = await emu.fetch(emu.apiUrl('/me'), { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
  });

  it('echoes method, path, JSON body and headers, never the token', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    const response = await emu.fetch(emu.apiUrl('/items?page=2'), {
      method: 'POST',
      headers: { ...bearer(accessToken), 'content-type': 'application/json', 'x-trace': 'abc' },
      body: JSON.stringify({ name: 'widget' }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain(accessToken);
    const echo = JSON.parse(text) as ApiEcho;
    expect(echo).toMatchObject({
      ok: true,
      origin: emu.apiOrigin,
      method: 'POST',
      path: '/items?page=2',
      body: { name: 'widget' },
      contentType: 'application/json',
      tokenSerial: 1,
      tokenSuffix: accessToken.slice(-6),
    });
    expect(echo.headers['x-trace']).toBe('abc');
    expect(echo.headers).not.toHaveProperty('authorization');
  });

  it('echoes a text body as text and no body as null', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    const put = await emu.fetch(emu.apiUrl('/t'), {
      method: 'PUT',
      headers: bearer(accessToken),
      body: 'plain',
    });
    expect(((await put.json()) as ApiEcho).body).toBe('plain');
    const get = await emu.fetch(emu.apiUrl('/t'), { headers: bearer(accessToken) });
    expect(((await get.json()) as ApiEcho).body).toBeNull();
  });

  it('answers 403 insufficient_scope on /forbidden with a valid token', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    const response = await emu.fetch(emu.apiUrl('/forbidden'), { headers: bearer(accessToken) });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(emu.counters.unauthorized).toBe(0);
  });

  it('answers 401 invalid_token on /unauthorized even with a valid token', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    const response = await emu.fetch(emu.apiUrl('/unauthorized'), { headers: bearer(accessToken) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await emu.fetch(emu.apiUrl('/me'), { headers: bearer(accessToken) })).status).toBe(200);
    expect(emu.counters.unauthorized).toBe(1);
  });

  it('answers /status/{code} with that status', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    expect((await emu.fetch(emu.apiUrl('/status/500'), { headers: bearer(accessToken) })).status).toBe(500);
    expect((await emu.fetch(emu.apiUrl('/status/204'), { headers: bearer(accessToken) })).status).toBe(204);
  });

  it('redirects to the other origin, and the fetch double drops the token on the way', async () => {
    const emu = createOAuthServer({ otherOrigin: 'https://elsewhere.example.test' });
    const { accessToken } = emu.issueTokens();
    const manual = await emu.fetch(emu.apiUrl('/redirect/302/landing?x=1'), {
      headers: bearer(accessToken),
      redirect: 'manual',
    });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('https://elsewhere.example.test/landing?x=1');

    const followed = await emu.fetch(emu.apiUrl('/redirect/307/landing'), {
      method: 'POST',
      headers: { ...bearer(accessToken), 'content-type': 'text/plain' },
      body: 'kept',
    });
    expect(followed.redirected).toBe(true);
    expect(followed.url).toBe('https://elsewhere.example.test/landing');
    expect(await followed.json()).toMatchObject({ method: 'POST', body: 'kept', sawAuthorization: false });
    const seen = emu.counters.requestsSeenBy('https://elsewhere.example.test');
    expect(seen).toHaveLength(1);
    expect(seen.every((record) => record.authorization === undefined)).toBe(true);
    expect(emu.counters.requestsSeenBy(emu.apiOrigin).map((r) => r.authorization)).toEqual([
      'Bearer <access token #1>',
      'Bearer <access token #1>',
    ]);
  });

  it('answers /unavailable with 503 the configured number of times, before any token check', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    emu.faults.unavailableRemaining = 2;
    emu.faults.unavailableRetryAfterSeconds = 1;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await emu.fetch(emu.apiUrl('/unavailable'), { headers: bearer(accessToken) });
      if (response.status === 503) expect(response.headers.get('retry-after')).toBe('1');
      statuses.push(response.status);
    }
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('delays API requests by faults.apiLatency(index) in real time', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    const indices: number[] = [];
    emu.faults.apiLatency = (index) => {
      indices.push(index);
      return index === 0 ? 120 : 0;
    };
    const order: string[] = [];
    const slow = emu
      .fetch(emu.apiUrl('/slow'), { headers: bearer(accessToken) })
      .then(() => order.push('slow'));
    const fast = emu
      .fetch(emu.apiUrl('/fast'), { headers: bearer(accessToken) })
      .then(() => order.push('fast'));
    const started = performance.now();
    await Promise.all([slow, fast]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(order).toEqual(['fast', 'slow']);
    expect(indices).toEqual([0, 1]);
  });

  it('reset() forgets grants, counters, the log and faults', async () => {
    const emu = createOAuthServer();
    const { accessToken } = emu.issueTokens();
    emu.faults.unavailableRemaining = 5;
    emu.faults.enqueue({ type: 'status', status: 503 });
    await emu.fetch(emu.apiUrl('/x'), { headers: bearer(accessToken) });
    emu.reset();
    expect(emu.counters).toMatchObject({ apiRequests: 0, unauthorized: 0, requestLog: [] });
    expect(emu.faults).toMatchObject({ pending: 0, unavailableRemaining: 0 });
    expect((await emu.fetch(emu.apiUrl('/x'), { headers: bearer(accessToken) })).status).toBe(401);
  });
});
