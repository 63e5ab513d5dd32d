import { describe, expect, it } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer, type OAuthServer } from '../src/oauth-server.ts';

/** RFC 7662 introspection, RFC 7009 revocation counters, RFC 8414 metadata. */

const post = async (emu: OAuthServer, url: string, params: Record<string, string>) => {
  const response = await emu.fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret),
    },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
};

describe('introspection (RFC 7662)', () => {
  it('describes live access and refresh tokens, and says only active: false for the rest', async () => {
    const emu = createOAuthServer({ scope: 'read write', accessTokenTtl: 10_000 });
    const { accessToken, refreshToken } = emu.issueTokens();
    const access = await post(emu, emu.introspectionEndpoint, { token: accessToken });
    expect(access).toMatchObject({
      status: 200,
      body: {
        active: true,
        client_id: emu.clientId,
        token_type: 'Bearer',
        scope: 'read write',
        iss: emu.issuer,
      },
    });
    expect(Number(access.body.exp) - Number(access.body.iat)).toBe(10);
    const refresh = await post(emu, emu.introspectionEndpoint, { token: refreshToken });
    expect(refresh.body).toMatchObject({ active: true, token_type: 'refresh_token' });
    expect(refresh.body).not.toHaveProperty('exp');

    emu.expireAccessTokens();
    expect((await post(emu, emu.introspectionEndpoint, { token: accessToken })).body).toEqual({
      active: false,
    });
    expect((await post(emu, emu.introspectionEndpoint, { token: 'nope' })).body).toEqual({ active: false });
    expect(emu.counters.introspections).toBe(4);
  });

  it('needs client authentication', async () => {
    const emu = createOAuthServer();
    const response = await emu.fetch(emu.introspectionEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: emu.issueTokens().accessToken }),
    });
    expect(response.status).toBe(401);
    expect(emu.counters.introspections).toBe(0);
  });
});

describe('revocation (RFC 7009)', () => {
  it('revoking a refresh token revokes its grant once; an access token alone revokes no grant', async () => {
    const emu = createOAuthServer();
    const a = emu.issueTokens();
    const b = emu.issueTokens();
    expect((await post(emu, emu.revocationEndpoint, { token: a.refreshToken })).status).toBe(200);
    expect((await post(emu, emu.revocationEndpoint, { token: a.refreshToken })).status).toBe(200);
    expect((await post(emu, emu.revocationEndpoint, { token: b.accessToken })).status).toBe(200);
    expect(emu.counters).toMatchObject({ revocations: 3, grantsRevoked: 1 });
    emu.revokeGrant();
    expect(emu.counters.grantsRevoked).toBe(2);
  });
});

describe('metadata (RFC 8414)', () => {
  it('lists the endpoints and the clients auth methods at the well-known URL', async () => {
    const emu = createOAuthServer({
      issuer: 'https://id.example.test',
      clients: [
        { clientId: 'a', clientSecret: 's' },
        { clientId: 'b', auth: 'none' },
      ],
    });
    expect(emu.metadataUrl).toBe('https://id.example.test/.well-known/oauth-authorization-server');
    const metadata = (await (await emu.fetch(emu.metadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: 'https://id.example.test',
      token_endpoint: 'https://id.example.test/token',
      revocation_endpoint: 'https://id.example.test/revoke',
      introspection_endpoint: 'https://id.example.test/introspect',
      grant_types_supported: ['refresh_token', 'client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
    });
  });

  it('names the listener as the issuer when served by listen()', async () => {
    const emu = createOAuthServer();
    await using live = await emu.listen();
    const metadata = (await (
      await fetch(`${live.issuer}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ issuer: live.issuer, token_endpoint: live.tokenEndpoint });
    expect(live.introspectionEndpoint).toBe(`${live.issuer}/introspect`);
  });
});
