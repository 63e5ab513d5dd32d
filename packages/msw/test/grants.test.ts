import { describe, expect, it } from 'vitest';
import { encodeBasicCredentials } from '../src/client-auth.ts';
import { createOAuthServer, type OAuthServer } from '../src/oauth-server.ts';
import type { OAuthServerOptions } from '../src/options.ts';
import { createFakeClock } from './support.ts';

/** The token endpoint's grants under each server setting: rotation, reuse modes, grace window, lifetimes, clients. */

const form = { 'content-type': 'application/x-www-form-urlencoded' };

const token = async (
  emu: OAuthServer,
  params: Record<string, string>,
  headers: Record<string, string> = { authorization: encodeBasicCredentials(emu.clientId, emu.clientSecret) },
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await emu.fetch(emu.tokenEndpoint, {
    method: 'POST',
    headers: { ...form, ...headers },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const refresh = (emu: OAuthServer, refreshToken: string) =>
  token(emu, { grant_type: 'refresh_token', refresh_token: refreshToken });

const apiStatus = async (emu: OAuthServer, accessToken: unknown): Promise<number> =>
  (await emu.fetch(emu.apiUrl('/me'), { headers: { authorization: `Bearer ${String(accessToken)}` } }))
    .status;

describe('reuse detection modes', () => {
  const reuseOnce = async (options: OAuthServerOptions) => {
    const emu = createOAuthServer(options);
    const first = emu.issueTokens();
    const rotated = await refresh(emu, first.refreshToken);
    const reused = await refresh(emu, first.refreshToken);
    const successor = await refresh(emu, String(rotated.body.refresh_token));
    return { emu, rotated, reused, successor };
  };

  it("'revoke-family' (default): the reuse fails and revokes the grant's refresh and access tokens", async () => {
    const { emu, rotated, reused, successor } = await reuseOnce({});
    expect([rotated.status, reused.status, successor.status]).toEqual([200, 400, 400]);
    expect(reused.body).toMatchObject({ error: 'invalid_grant' });
    expect(await apiStatus(emu, rotated.body.access_token)).toBe(401);
    expect(emu.counters).toMatchObject({ refreshes: 1, reuseDetections: 1, grantsRevoked: 1 });
  });

  it("'reject': the reuse fails alone; the grant lives on", async () => {
    const { emu, reused, successor } = await reuseOnce({ reuseDetection: 'reject' });
    expect([reused.status, successor.status]).toEqual([400, 200]);
    expect(emu.counters).toMatchObject({ refreshes: 2, reuseDetections: 1, grantsRevoked: 0 });
  });

  it("'off': a used refresh token keeps working, as on a server that never tracks use", async () => {
    const { emu, reused, successor } = await reuseOnce({ reuseDetection: 'off' });
    expect([reused.status, successor.status]).toEqual([200, 200]);
    expect(reused.body.refresh_token).toEqual(expect.stringMatching(/^rt_/));
    expect(emu.counters).toMatchObject({ refreshes: 3, reuseDetections: 0, grantsRevoked: 0 });
  });
});

describe('reuseGraceMs', () => {
  it('lets the immediately previous refresh token through within the window, with the same successor', async () => {
    const clock = createFakeClock();
    const emu = createOAuthServer({ clock, reuseGraceMs: 5_000 });
    const first = emu.issueTokens();
    const a = await refresh(emu, first.refreshToken);
    clock.advance(4_000);
    const again = await refresh(emu, first.refreshToken);
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).toBe(a.body.refresh_token);
    expect(again.body.access_token).not.toBe(a.body.access_token);
    expect(emu.counters).toMatchObject({ refreshes: 2, reuseDetections: 0 });
  });

  it('counts as reuse once the window has passed', async () => {
    const clock = createFakeClock();
    const emu = createOAuthServer({ clock, reuseGraceMs: 5_000 });
    const first = emu.issueTokens();
    await refresh(emu, first.refreshToken);
    clock.advance(5_001);
    expect((await refresh(emu, first.refreshToken)).status).toBe(400);
    expect(emu.counters).toMatchObject({ reuseDetections: 1, grantsRevoked: 1 });
  });

  it('never covers an older token than the immediately previous one (Auth0 semantics)', async () => {
    const emu = createOAuthServer({ reuseGraceMs: 60_000 });
    const first = emu.issueTokens();
    const second = await refresh(emu, first.refreshToken);
    await refresh(emu, String(second.body.refresh_token)); // the chain moves on: `first` is two back now
    expect((await refresh(emu, first.refreshToken)).status).toBe(400);
    expect(emu.counters).toMatchObject({ reuseDetections: 1, grantsRevoked: 1 });
  });
});

describe('lifetimes on the server clock', () => {
  it('refreshTokenTtl expires refresh tokens; advance() moves the server time', async () => {
    // A stopped clock: only advance() moves the server's time, so the 1 ms margin below is exact on any machine.
    const emu = createOAuthServer({ clock: createFakeClock(), refreshTokenTtl: 60_000 });
    const first = emu.issueTokens();
    emu.advance(59_999);
    const second = await refresh(emu, first.refreshToken);
    expect(second.status).toBe(200);
    emu.advance(60_000);
    const expired = await refresh(emu, String(second.body.refresh_token));
    expect(expired).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(emu.counters.reuseDetections).toBe(0);
  });

  it('advance() expires access tokens; reset() forgets it', async () => {
    const emu = createOAuthServer({ accessTokenTtl: 1_000 });
    const start = emu.now();
    const { accessToken } = emu.issueTokens();
    emu.advance(1_000);
    expect(await apiStatus(emu, accessToken)).toBe(401);
    expect(emu.now() - start).toBeGreaterThanOrEqual(1_000);
    emu.reset();
    expect(emu.now() - start).toBeLessThan(1_000);
    expect(() => emu.advance(-1)).toThrow(RangeError);
  });
});

describe('clients', () => {
  const clients = [
    { clientId: 'web', clientSecret: 'w:e b%', auth: 'client_secret_basic' as const },
    { clientId: 'worker', clientSecret: 'k', auth: 'client_secret_post' as const },
    { clientId: 'spa', auth: 'none' as const },
  ];

  it('authenticates each client with its own method, and refuses a refresh token issued to another', async () => {
    const emu = createOAuthServer({ clients });
    const web = emu.issueTokens({ clientId: 'web' });
    const spa = emu.issueTokens({ clientId: 'spa' });
    const asSpa = { grant_type: 'refresh_token', refresh_token: web.refreshToken, client_id: 'spa' };
    expect(await token(emu, asSpa, {})).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const own = await token(
      emu,
      { grant_type: 'refresh_token', refresh_token: spa.refreshToken, client_id: 'spa' },
      {},
    );
    expect(own.status).toBe(200);
    const basic = { authorization: encodeBasicCredentials('web', 'w:e b%') };
    expect(
      (await token(emu, { grant_type: 'refresh_token', refresh_token: web.refreshToken }, basic)).status,
    ).toBe(200);
    expect(() => emu.issueTokens({ clientId: 'nobody' })).toThrow(/no client/);
  });

  it('issues client-credentials tokens (no refresh token) to confidential clients only', async () => {
    const emu = createOAuthServer({ clients, scope: 'read' });
    const post = await token(
      emu,
      { grant_type: 'client_credentials', client_id: 'worker', client_secret: 'k' },
      {},
    );
    expect(post.status).toBe(200);
    expect(post.body).not.toHaveProperty('refresh_token');
    expect(post.body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect(await apiStatus(emu, post.body.access_token)).toBe(200);
    const spa = await token(emu, { grant_type: 'client_credentials', client_id: 'spa' }, {});
    expect(spa).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    expect(emu.counters.clientCredentialsGrants).toBe(1);
  });

  it('rejects bad client lists', () => {
    expect(() => createOAuthServer({ clients: [] })).toThrow(TypeError);
    expect(() => createOAuthServer({ clients: [{ clientId: 'a' }] })).toThrow(/needs a clientSecret/);
    expect(() =>
      createOAuthServer({
        clients: [
          { clientId: 'a', auth: 'none' },
          { clientId: 'a', auth: 'none' },
        ],
      }),
    ).toThrow(/own clientId/);
  });
});

describe('seed', () => {
  it('gives the same tokens for the same seed, other tokens for another, and starts over on reset()', async () => {
    const run = async (seed: number | string) => {
      const emu = createOAuthServer({ seed });
      const first = emu.issueTokens();
      const next = await refresh(emu, first.refreshToken);
      return {
        emu,
        values: [first.accessToken, first.refreshToken, next.body.access_token, next.body.refresh_token],
      };
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run('other');
    expect(a.values).toEqual(b.values);
    expect(new Set([...a.values, ...c.values]).size).toBe(8);
    a.emu.reset();
    expect(a.emu.issueTokens().accessToken).toBe(a.values[0]);
  });

  it('without a seed, every server issues different tokens', () => {
    expect(createOAuthServer().issueTokens().accessToken).not.toBe(
      createOAuthServer().issueTokens().accessToken,
    );
  });
});
