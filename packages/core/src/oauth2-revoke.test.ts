import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { isTokenRelayError, ReauthRequiredError } from './errors.ts';
import { createTokenManager } from './manager.ts';
import { oauth2Revoke } from './oauth2-revoke.ts';

const SECRET = 's3cr3t:+%/é';
const tokens = { accessToken: 'AT-secret-value', refreshToken: 'RT-secret-value', expiresAt: undefined };

const revokeWith = (respond: (body: URLSearchParams, headers: Headers) => Response) => {
  const seen: Array<{ body: URLSearchParams; headers: Headers; url: string }> = [];
  const fetch = vi.fn(async (input: string | URL | Request, init?: RequestInit) => {
    const body = new URLSearchParams(String(init?.body));
    const headers = new Headers(init?.headers);
    seen.push({ body, headers, url: String(input) });
    return respond(body, headers);
  });
  const revoke = oauth2Revoke({
    revocationEndpoint: 'https://auth.example.test/revoke',
    clientId: 'client',
    clientSecret: SECRET,
    fetch: fetch as unknown as typeof globalThis.fetch,
  });
  return { revoke, seen };
};

describe('oauth2Revoke', () => {
  it('revokes the refresh token with client_secret_basic (RFC 7009)', async () => {
    const { revoke, seen } = revokeWith(() => new Response(null, { status: 200 }));
    await revoke({ tokens, signal: new AbortController().signal, now: Date.now });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.url).toBe('https://auth.example.test/revoke');
    expect(seen[0]?.body.get('token')).toBe('RT-secret-value');
    expect(seen[0]?.body.get('token_type_hint')).toBe('refresh_token');
    expect(seen[0]?.headers.get('authorization')).toMatch(/^Basic /);
  });

  it('revokes the access token when no refresh token is held', async () => {
    const { revoke, seen } = revokeWith(() => new Response(null, { status: 200 }));
    await revoke({ tokens: { accessToken: 'AT' }, signal: new AbortController().signal, now: Date.now });
    expect(seen[0]?.body.get('token_type_hint')).toBe('access_token');
  });

  it('a server error is a typed, redacted TokenEndpointError', async () => {
    const { revoke } = revokeWith(() => Response.json({ error: 'invalid_client' }, { status: 401 }));
    const error = await revoke({ tokens, signal: new AbortController().signal, now: Date.now }).catch(
      (e) => e,
    );
    expect(isTokenRelayError(error, 'TOKEN_ENDPOINT')).toBe(true);
    for (const text of [error.message, JSON.stringify(error), inspect(error)]) {
      expect(text).not.toContain('RT-secret-value');
      expect(text).not.toContain(SECRET);
    }
  });

  it('manager.revoke(): clears the tokens, revokes them, and later requests need a new sign-in', async () => {
    const { revoke, seen } = revokeWith(() => new Response(null, { status: 200 }));
    const refresh = vi.fn(async () => ({ accessToken: 'never' }));
    const manager = createTokenManager({ tokens, refresh, revoke });
    await manager.revoke();
    expect(seen).toHaveLength(1);
    await expect(manager.getAccessToken()).rejects.toBeInstanceOf(ReauthRequiredError);
  });
});
