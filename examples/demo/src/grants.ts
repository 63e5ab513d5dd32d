/**
 * One grant per client at the real authorization server, and a way to ask the server whether a grant is still
 * alive (RFC 7662 introspection of its newest refresh token).
 */
import type { TokenSet } from '@tokenrelay/core';
import type { AuthServer } from '@tokenrelay/test-utils/real-server';

/** Signs `subject` in through the authorization-code flow; returns the tokens as the manager keeps them. */
export async function loginAs(server: AuthServer, subject: string): Promise<TokenSet> {
  const granted = await server.login({ subject });
  const now = Date.now();
  return {
    accessToken: granted.accessToken,
    refreshToken: granted.refreshToken,
    tokenType: granted.tokenType,
    expiresAt: now + granted.expiresIn * 1000,
    issuedAt: now,
    scope: granted.scope,
  };
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 appendix B). */
const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');

/** The client's `client_secret_basic` header (RFC 6749 section 2.3.1). */
export function clientBasicAuth(server: AuthServer): string {
  const { clientId, clientSecret } = server.client;
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`;
}

/** Whether the server still accepts `refreshToken`: false once it was rotated away or its grant was revoked. */
export async function isRefreshTokenActive(server: AuthServer, refreshToken: string): Promise<boolean> {
  const response = await fetch(server.introspectionEndpoint, {
    method: 'POST',
    headers: { authorization: clientBasicAuth(server), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`introspection failed: HTTP ${response.status}`);
  const body = (await response.json()) as { active?: unknown };
  return body.active === true;
}
