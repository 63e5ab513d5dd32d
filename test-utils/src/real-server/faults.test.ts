import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuthServer, startAuthServer } from './auth-server.ts';
import { basicAuth, callUserinfo, refreshGrant } from './test-support.ts';

describe('token-endpoint fault injection on the real server', () => {
  let server: AuthServer;
  let refreshToken: string;

  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    server.faults.tokenEndpoint.length = 0;
    ({ refreshToken } = await server.login());
    server.resetEvents();
  });

  it('answers a status fault before the provider sees the request', async () => {
    server.faults.tokenEndpoint.push({ type: 'status', status: 503, retryAfterSeconds: 7 });

    const failed = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('7');
    expect(await failed.text()).toBe('Service Unavailable');
    expect(server.faults.tokenEndpoint).toHaveLength(0);
    expect(server.events).toMatchObject({
      'grant.success': 0,
      'grant.error': 0,
      'refresh_token.consumed': 0,
    });

    // Nothing was rotated: the same refresh token still works.
    expect((await refreshGrant(server, refreshToken)).status).toBe(200);
  });

  it('sends a status fault body as given', async () => {
    server.faults.tokenEndpoint.push({ type: 'status', status: 400, body: '{"error":"invalid_grant"}' });
    const failed = await refreshGrant(server, refreshToken);
    expect(failed.status).toBe(400);
    expect(failed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(failed.body).toEqual({ error: 'invalid_grant' });
    expect(server.events['refresh_token.consumed']).toBe(0);
  });

  it('loses the answer after rotation: the client never sees the new refresh token', async () => {
    server.faults.tokenEndpoint.push({ type: 'lost-after-rotation', status: 502 });

    const lost = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: basicAuth(server.client.clientId, server.client.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(lost.status).toBe(502);
    expect(await lost.text()).toBe('Bad Gateway');
    expect(server.events).toMatchObject({ 'grant.success': 1, 'refresh_token.consumed': 1 });

    // The provider did rotate: retrying with the only refresh token the client has is a reuse.
    const retry = await refreshGrant(server, refreshToken);
    expect(retry.status).toBe(400);
    expect(retry.body.error).toBe('invalid_grant');
    expect(server.events['grant.revoked']).toBe(1);
  });

  it('can drop the connection after rotation instead', async () => {
    server.faults.tokenEndpoint.push({ type: 'lost-after-rotation', status: 'network-error' });
    await expect(refreshGrant(server, refreshToken)).rejects.toThrow(TypeError);
    expect(server.events['refresh_token.consumed']).toBe(1);
  });

  it('drops the connection before the provider on a network-error fault', async () => {
    server.faults.tokenEndpoint.push({ type: 'network-error' });
    await expect(refreshGrant(server, refreshToken)).rejects.toThrow(TypeError);
    expect(server.events['refresh_token.consumed']).toBe(0);
    expect((await refreshGrant(server, refreshToken)).status).toBe(200);
  });

  it('answers a malformed body without touching the grant', async () => {
    server.faults.tokenEndpoint.push({
      type: 'malformed',
      body: 'not json',
      contentType: 'application/json',
    });
    const response = await fetch(server.tokenEndpoint, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.text()).toBe('not json');
    expect((await refreshGrant(server, refreshToken)).status).toBe(200);
  });

  it('delays the request on a latency fault, then lets the provider answer', async () => {
    server.faults.tokenEndpoint.push({ type: 'latency', ms: 300 });
    const started = performance.now();
    const response = await refreshGrant(server, refreshToken);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(response.status).toBe(200);
  });

  it('applies faults in order, one per token request, and only to token requests', async () => {
    server.faults.tokenEndpoint.push({ type: 'status', status: 503 }, { type: 'status', status: 429 });
    // The login's authorization requests pass; its code exchange meets the 503.
    await expect(server.login()).rejects.toThrow('code exchange failed: HTTP 503');
    expect(server.faults.tokenEndpoint).toEqual([{ type: 'status', status: 429 }]);
    const limited = await fetch(server.tokenEndpoint, { method: 'POST' });
    expect(limited.status).toBe(429);
    await limited.body?.cancel();
    expect((await refreshGrant(server, refreshToken)).status).toBe(200);
  });

  it('leaves other endpoints alone', async () => {
    const { accessToken } = await refreshGrant(server, refreshToken).then((r) => ({
      accessToken: String(r.body.access_token),
    }));
    server.faults.tokenEndpoint.push({ type: 'status', status: 503 });
    expect((await callUserinfo(server, accessToken)).status).toBe(200);
    expect(server.faults.tokenEndpoint).toHaveLength(1);
  });
});
