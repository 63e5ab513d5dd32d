import { HttpResponse, http } from 'msw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOAuthServer } from '../src/oauth-server.ts';
import type { AccessTokenDetails } from '../src/protect.ts';
import { startMsw } from './support.ts';

/** protect(): the user's own msw routes behind the emulated server's access tokens. */

describe('protect()', () => {
  const emu = createOAuthServer({ issuer: 'https://login.example.test', scope: 'orders:read profile' });
  const seen: AccessTokenDetails[] = [];
  const msw = startMsw(
    emu,
    http.get(
      'https://app.example.test/orders/:id',
      emu.protect(({ params, token }) => {
        seen.push(token);
        return HttpResponse.json({ id: params.id });
      }),
    ),
    http.post(
      'https://app.example.test/admin',
      emu.protect(() => HttpResponse.text('done'), { scope: ['orders:admin'], realm: 'shop' }),
    ),
  );
  beforeAll(() => undefined);
  afterEach(() => {
    emu.reset();
    seen.length = 0;
  });
  afterAll(() => msw.close());

  const get = (token?: string) =>
    fetch(
      'https://app.example.test/orders/7',
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );

  it('runs the route for a valid token, with msw params and the token details', async () => {
    const { accessToken, expiresAt } = emu.issueTokens();
    const response = await get(accessToken);
    expect(await response.json()).toEqual({ id: '7' });
    expect(seen).toEqual([{ serial: 1, clientId: emu.clientId, scope: 'orders:read profile', expiresAt }]);
  });

  it.each([
    ['expired', (token: string) => emu.expireAccessTokens() ?? token],
    ['revoked', (token: string) => emu.revokeGrant(token) ?? token],
    ['unknown', () => 'at_not-issued-by-this-server'],
  ])(
    'answers 401 Bearer error="invalid_token" for an %s token, without running the route',
    async (reason, make) => {
      const token = make(emu.issueTokens().accessToken);
      const response = await get(token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="api", error="invalid_token", error_description="the access token is ${reason}"`,
      );
      expect(seen).toEqual([]);
      expect(emu).toMatchObject({ counters: { unauthorized: 1 } });
    },
  );

  it('answers 401 with a bare challenge without a token, and never accepts a refresh token', async () => {
    const missing = await get();
    expect([missing.status, missing.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="api"']);
    expect((await get(emu.issueTokens().refreshToken)).status).toBe(401);
    expect(emu.counters.unauthorized).toBe(2);
  });

  it('answers 403 insufficient_scope when the grant lacks a required scope', async () => {
    const { accessToken } = emu.issueTokens();
    const denied = await fetch('https://app.example.test/admin', {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toBe(
      'Bearer realm="shop", error="insufficient_scope", scope="orders:admin"',
    );
    const granted = emu.issueTokens({ scope: 'orders:admin' });
    const allowed = await fetch('https://app.example.test/admin', {
      method: 'POST',
      headers: { authorization: `Bearer ${granted.accessToken}` },
    });
    expect(await allowed.text()).toBe('done');
    expect(emu.counters.unauthorized).toBe(0);
  });

  it('logs protected requests with the token redacted', async () => {
    const { accessToken } = emu.issueTokens();
    await get(accessToken);
    expect(emu.counters.requestsSeenBy('https://app.example.test')).toEqual([
      {
        origin: 'https://app.example.test',
        method: 'GET',
        path: '/orders/7',
        authorization: 'Bearer <access token #1>',
        status: 200,
      },
    ]);
  });
});
