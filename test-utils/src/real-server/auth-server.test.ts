import { afterEach, describe, expect, it } from 'vitest';
import { type AuthServer, type AuthServerOptions, startAuthServer } from './auth-server.ts';
import { basicAuth, callUserinfo, postForm, refreshGrant, sleep } from './test-support.ts';

const servers: AuthServer[] = [];
const start = async (options?: AuthServerOptions): Promise<AuthServer> => {
  const server = await startAuthServer(options);
  servers.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('startAuthServer', () => {
  it('listens on 127.0.0.1 and issues a token pair through the real authorization-code flow', async () => {
    const server = await start();
    expect(new URL(server.issuer).hostname).toBe('127.0.0.1');
    const tokens = await server.login();

    expect(tokens).toMatchObject({ tokenType: 'Bearer', expiresIn: 2, scope: 'openid offline_access' });
    expect(tokens.accessToken).not.toBe(tokens.refreshToken);
    const me = await callUserinfo(server, tokens.accessToken);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ sub: 'alice' });
    expect(server.events).toMatchObject({
      'authorization.success': 1,
      'authorization_code.consumed': 1,
      'grant.success': 1,
      'refresh_token.saved': 1,
    });
  });

  it('gives each login its own grant', async () => {
    const server = await start();
    const first = await server.login();
    const second = await server.login({ subject: 'bob' });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(await (await callUserinfo(server, second.accessToken)).json()).toEqual({ sub: 'bob' });

    expect((await refreshGrant(server, first.refreshToken)).status).toBe(200);
    expect((await refreshGrant(server, first.refreshToken)).status).toBe(400); // reuse: first grant revoked
    expect((await refreshGrant(server, second.refreshToken)).status).toBe(200); // second grant untouched
  });

  it('rotates refresh tokens; reusing a rotated one revokes the whole grant', async () => {
    const server = await start();
    const login = await server.login();
    server.resetEvents();

    const refreshed = await refreshGrant(server, login.refreshToken);
    expect(refreshed.status).toBe(200);
    const newRefreshToken = refreshed.body.refresh_token;
    const newAccessToken = refreshed.body.access_token;
    expect(typeof newRefreshToken).toBe('string');
    expect(typeof newAccessToken).toBe('string');
    expect(newRefreshToken).not.toBe(login.refreshToken);
    expect(refreshed.body).toMatchObject({ token_type: 'Bearer', expires_in: 2 });
    expect((await callUserinfo(server, String(newAccessToken))).status).toBe(200);
    expect(server.events).toMatchObject({
      'refresh_token.consumed': 1,
      'grant.success': 1,
      'grant.revoked': 0,
    });

    const reused = await refreshGrant(server, login.refreshToken);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect(server.events['grant.revoked']).toBe(1);
    expect(server.errors).toContainEqual({
      event: 'grant.error',
      error: 'invalid_grant',
      detail: 'refresh token already used',
    });

    // The grant is gone: the newer refresh token and the access token issued with it are dead too.
    const newer = await refreshGrant(server, String(newRefreshToken));
    expect(newer.status).toBe(400);
    expect(newer.body.error).toBe('invalid_grant');
    expect((await callUserinfo(server, String(newAccessToken))).status).toBe(401);
  });

  it('needs client_secret_basic credentials form-urlencoded before base64 (RFC 6749 2.3.1)', async () => {
    const server = await start();
    const { clientId, clientSecret } = server.client;
    expect(clientSecret).toMatch(/[:/+%&= ]/);
    const login = await server.login();

    const raw = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const form = { grant_type: 'refresh_token', refresh_token: login.refreshToken };
    const unencoded = await postForm(server, server.tokenEndpoint, form, raw);
    expect(unencoded.status).toBe(400);
    expect(unencoded.body.error).toBe('invalid_request');
    expect(server.events['refresh_token.consumed']).toBe(0);

    const encoded = await postForm(server, server.tokenEndpoint, form, basicAuth(clientId, clientSecret));
    expect(encoded.status).toBe(200);
  });

  it('answers 401 invalid_token at /me once the access token expired', async () => {
    const server = await start({ accessTokenTtl: 1 });
    const login = await server.login();
    expect(login.expiresIn).toBe(1);
    // oidc-provider counts expiry in whole seconds, so a 1 s token lives between 0 and 1 s. Take a fresh
    // one (a single refresh, milliseconds) just after a second boundary, so it is surely alive at first.
    await sleep(1000 - (Date.now() % 1000));
    const refreshed = await refreshGrant(server, login.refreshToken);
    const accessToken = String(refreshed.body.access_token);
    const expiresIn = Number(refreshed.body.expires_in);
    expect(expiresIn).toBe(1);
    expect((await callUserinfo(server, accessToken)).status).toBe(200);

    await sleep(expiresIn * 1000 + 100);
    const expired = await callUserinfo(server, accessToken);
    expect(expired.status).toBe(401);
    const challenge = expired.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(await expired.json()).toMatchObject({ error: 'invalid_token' });
    expect(server.events['userinfo.error']).toBe(1);
  });

  it('revokes a refresh token at the revocation endpoint (RFC 7009), and its grant with it', async () => {
    const server = await start();
    const login = await server.login();
    const other = await server.login();

    const revoked = await postForm(server, server.revocationEndpoint, {
      token: login.refreshToken,
      token_type_hint: 'refresh_token',
    });
    expect(revoked.status).toBe(200);
    expect(server.events['grant.revoked']).toBe(1);

    const refresh = await refreshGrant(server, login.refreshToken);
    expect(refresh.status).toBe(400);
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await callUserinfo(server, login.accessToken)).status).toBe(401);
    expect((await refreshGrant(server, other.refreshToken)).status).toBe(200);
  });

  it('revoking an access token also kills the refresh tokens of its grant', async () => {
    const server = await start();
    const login = await server.login();
    const revoked = await postForm(server, server.revocationEndpoint, {
      token: login.accessToken,
      token_type_hint: 'access_token',
    });
    expect(revoked.status).toBe(200);
    expect((await callUserinfo(server, login.accessToken)).status).toBe(401);
    expect((await refreshGrant(server, login.refreshToken)).body.error).toBe('invalid_grant');
  });

  it('introspects tokens (RFC 7662)', async () => {
    const server = await start();
    const login = await server.login();
    const active = await postForm(server, server.introspectionEndpoint, { token: login.accessToken });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      active: true,
      client_id: server.client.clientId,
      sub: 'alice',
      token_type: 'Bearer',
    });

    await refreshGrant(server, login.refreshToken);
    const rotated = await postForm(server, server.introspectionEndpoint, { token: login.refreshToken });
    expect(rotated.body).toEqual({ active: false });
  });

  it('rejects lifetimes that are not whole seconds and secrets outside printable ASCII', async () => {
    await expect(startAuthServer({ accessTokenTtl: 0.5 })).rejects.toThrow(TypeError);
    await expect(startAuthServer({ clientSecret: 'café' })).rejects.toThrow(/printable ASCII/);
  });

  it('closes every connection, including kept-alive ones', async () => {
    const server = await startAuthServer();
    await server.login();
    await server.close();
    await server.close();
    await expect(fetch(server.userinfoUrl)).rejects.toThrow();
  });
});
