import { describe, expect, it } from 'vitest';
import { decodeBasicCredentials, encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer } from '../src/oauth-server.ts';
import type { FetchLike } from '../src/options.ts';
import { createFakeClock } from './support.ts';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

interface Post {
  readonly fetch: FetchLike;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A refresh_token grant with client_secret_basic. */
const refresh = (emu: Post, refreshToken: string, headers: Record<string, string> = {}): Promise<Response> =>
  emu.fetch(emu.tokenEndpoint, {
    method: 'POST',
    headers: { ...form, authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret), ...headers },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });

const api = (emu: ReturnType<typeof createOAuthServer>, token: string, path = '/me'): Promise<Response> =>
  emu.fetch(emu.apiUrl(path), { headers: { authorization: `Bearer ${token}` } });

describe('client authentication', () => {
  it('round-trips credentials with reserved characters through form-encoding and base64', () => {
    const header = encodeBasicCredentials('my client:1', 'p@ss+w/rd%é');
    expect(header).toBe(`Basic ${Buffer.from('my+client%3A1:p%40ss%2Bw%2Frd%25%C3%A9').toString('base64')}`);
    expect(decodeBasicCredentials(header)).toEqual({ id: 'my client:1', secret: 'p@ss+w/rd%é' });
    expect(decodeBasicCredentials('Basic !!!')).toBeUndefined();
    expect(decodeBasicCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
  });

  it('accepts client_secret_basic with form-encoded credentials and rejects a wrong secret', async () => {
    const emu = createOAuthServer({ clients: [{ clientId: 'my client:1', clientSecret: 'p@ss+w/rd%' }] });
    const { refreshToken } = emu.issueTokens();
    const bad = await refresh(emu, refreshToken, {
      authorization: encodeBasicCredentials('my client:1', 'nope'),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(await bad.json()).toMatchObject({ error: 'invalid_client' });
    // Unencoded credentials (a common client bug) are not the same credentials.
    const raw = `Basic ${Buffer.from('my client:1:p@ss+w/rd%').toString('base64')}`;
    expect((await refresh(emu, refreshToken, { authorization: raw })).status).toBe(401);
    const good = await refresh(emu, refreshToken);
    expect(good.status).toBe(200);
    expect(emu.counters.successfulRefreshes).toBe(1);
  });

  it('accepts client_secret_post only in the body and refuses two methods at once', async () => {
    const emu = createOAuthServer({
      clients: [{ clientId: 'app', clientSecret: 's3cret', auth: 'client_secret_post' }],
    });
    const { refreshToken } = emu.issueTokens();
    const body = (extra: Record<string, string>): URLSearchParams =>
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });
    const viaBasic = await refresh(emu, refreshToken);
    expect(viaBasic.status).toBe(401);
    const both = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: { ...form, authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
      body: body({ client_id: emu.clientId, client_secret: emu.clientSecret }),
    });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ error: 'invalid_request' });
    const wrong = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: form,
      body: body({ client_id: emu.clientId, client_secret: 'wrong' }),
    });
    expect(wrong.status).toBe(401);
    const ok = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: form,
      body: body({ client_id: emu.clientId, client_secret: emu.clientSecret }),
    });
    expect(ok.status).toBe(200);
  });

  it('accepts a public client (none) by client_id alone', async () => {
    const emu = createOAuthServer({ clients: [{ clientId: 'spa', auth: 'none' }] });
    const { refreshToken } = emu.issueTokens();
    const post = (params: Record<string, string>): Promise<Response> =>
      emu.fetch(emu.tokenEndpoint, {
        method: 'POST',
        headers: form,
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...params }),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ client_id: 'someone-else' })).status).toBe(401);
    expect((await post({ client_id: emu.clientId })).status).toBe(200);
  });
});

describe('refresh_token grant', () => {
  it('answers RFC 6749 section 5.1 JSON, rotates the refresh token, and the new access token works', async () => {
    const emu = createOAuthServer({ scope: 'read write' });
    const first = emu.issueTokens();
    const response = await refresh(emu, first.refreshToken);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 60, scope: 'read write' });
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(body.refresh_token).not.toBe(first.refreshToken);
    expect(body.access_token).not.toBe(first.accessToken);
    expect((await api(emu, String(body.access_token))).status).toBe(200);
    expect((await refresh(emu, String(body.refresh_token))).status).toBe(200);
    expect(emu.counters).toMatchObject({ tokenCalls: 2, successfulRefreshes: 2, reuseDetections: 0 });
  });

  it('revokes the whole family when a used refresh token comes back (RFC 9700)', async () => {
    const emu = createOAuthServer();
    const first = emu.issueTokens();
    const bystander = emu.issueTokens();
    const rotated = (await (await refresh(emu, first.refreshToken)).json()) as Record<string, string>;
    const reused = await refresh(emu, first.refreshToken);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    expect(emu.counters.reuseDetections).toBe(1);
    // Every token of that grant is dead, the newest included ...
    expect((await refresh(emu, String(rotated.refresh_token))).status).toBe(400);
    const denied = await api(emu, String(rotated.access_token));
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await api(emu, first.accessToken)).status).toBe(401);
    // ... while another grant is untouched.
    expect((await api(emu, bystander.accessToken)).status).toBe(200);
    expect((await refresh(emu, bystander.refreshToken)).status).toBe(200);
  });

  it("with reuseDetection 'reject', a used refresh token fails alone", async () => {
    const emu = createOAuthServer({ reuseDetection: 'reject' });
    const first = emu.issueTokens();
    const rotated = (await (await refresh(emu, first.refreshToken)).json()) as Record<string, string>;
    expect((await refresh(emu, first.refreshToken)).status).toBe(400);
    expect((await refresh(emu, String(rotated.refresh_token))).status).toBe(200);
  });

  it('without rotation, returns no refresh_token and the same one keeps working', async () => {
    const emu = createOAuthServer({ rotation: false, omitExpiresIn: true });
    const first = emu.issueTokens();
    const body = (await (await refresh(emu, first.refreshToken)).json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('expires_in');
    expect((await refresh(emu, first.refreshToken)).status).toBe(200);
    expect(emu.counters.reuseDetections).toBe(0);
  });

  it('answers invalid_grant for unknown tokens and rejects malformed requests', async () => {
    const emu = createOAuthServer();
    expect(await (await refresh(emu, 'rt_unknown')).json()).toMatchObject({ error: 'invalid_grant' });
    const auth = { authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) };
    const json = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(json.status).toBe(400);
    const password = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: { ...auth, ...form },
      body: new URLSearchParams({ grant_type: 'password', username: 'u', password: 'p' }),
    });
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect((await emu.fetch(emu.tokenEndpoint)).status).toBe(405);
  });

  it('issues an access token without a refresh token for client_credentials', async () => {
    const emu = createOAuthServer();
    const response = await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: { ...form, authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refresh_token');
    expect((await api(emu, String(body.access_token))).status).toBe(200);
  });

  it('counts token calls that carry a Bearer header (a client intercepting its own refresh)', async () => {
    const emu = createOAuthServer({
      clients: [{ clientId: 'app', clientSecret: 's3cret', auth: 'client_secret_post' }],
    });
    const { refreshToken, accessToken } = emu.issueTokens();
    await emu.fetch(emu.tokenEndpoint, {
      method: 'POST',
      headers: { ...form, authorization: `Bearer ${accessToken}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    expect(emu.counters.bearerAtTokenEndpoint).toBe(1);
  });
});

describe('tokens on the injected clock', () => {
  it('expires access tokens after accessTokenTtl and issueTokens() says when', async () => {
    const clock = createFakeClock();
    const emu = createOAuthServer({ clock, accessTokenTtl: 2_000 });
    const tokens = emu.issueTokens();
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      issuedAt: clock.now(),
      expiresAt: clock.now() + 2_000,
    });
    clock.advance(1_999);
    expect((await api(emu, tokens.accessToken)).status).toBe(200);
    clock.advance(1);
    const expired = await api(emu, tokens.accessToken);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(emu.counters.unauthorized).toBe(1);
  });

  it('expireAccessTokens() and revokeGrant() work without a clock', async () => {
    const emu = createOAuthServer();
    const a = emu.issueTokens();
    emu.expireAccessTokens();
    expect((await api(emu, a.accessToken)).status).toBe(401);
    const fresh = (await (await refresh(emu, a.refreshToken)).json()) as Record<string, string>;
    expect((await api(emu, String(fresh.access_token))).status).toBe(200);
    emu.revokeGrant();
    expect((await api(emu, String(fresh.access_token))).status).toBe(401);
    expect((await refresh(emu, String(fresh.refresh_token))).status).toBe(400);
  });
});

describe('revocation endpoint (RFC 7009)', () => {
  const revoke = (emu: ReturnType<typeof createOAuthServer>, token: string): Promise<Response> =>
    emu.fetch(emu.revocationEndpoint, {
      method: 'POST',
      headers: { ...form, authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
      body: new URLSearchParams({ token }),
    });

  it('revoking a refresh token revokes its family; an access token alone; unknown is still 200', async () => {
    const emu = createOAuthServer();
    const a = emu.issueTokens();
    const b = emu.issueTokens();
    expect((await revoke(emu, b.accessToken)).status).toBe(200);
    expect((await api(emu, b.accessToken)).status).toBe(401);
    expect((await refresh(emu, b.refreshToken)).status).toBe(200);
    expect((await revoke(emu, a.refreshToken)).status).toBe(200);
    expect((await api(emu, a.accessToken)).status).toBe(401);
    expect((await refresh(emu, a.refreshToken)).status).toBe(400);
    expect((await revoke(emu, 'never-issued')).status).toBe(200);
    expect(emu.counters.revocations).toBe(3);
  });

  it('requires client authentication', async () => {
    const emu = createOAuthServer();
    const { refreshToken } = emu.issueTokens();
    const response = await emu.fetch(emu.revocationEndpoint, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ token: refreshToken }),
    });
    expect(response.status).toBe(401);
    expect((await refresh(emu, refreshToken)).status).toBe(200);
  });
});
