import { authenticateClient, noStoreHeaders, oauthError } from './client-auth.ts';
import { type EmulationContext, realDelay, type ServerConfig } from './emulation-state.ts';
import type { IssuedPair } from './token-registry.ts';

/**
 * `POST /token` (RFC 6749 section 6 refresh_token and section 4.4 client_credentials grants), `POST /revoke`
 * (RFC 7009), `POST /introspect` (RFC 7662) and `GET /.well-known/oauth-authorization-server` (RFC 8414).
 */

/** Reads a form body, or answers why it cannot. */
async function readForm(request: Request): Promise<URLSearchParams | Response> {
  if (request.method !== 'POST') {
    return new Response(null, { status: 405, headers: { allow: 'POST' } });
  }
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    return oauthError(400, 'invalid_request', 'expected application/x-www-form-urlencoded');
  }
  return new URLSearchParams(await request.text());
}

const tokenResponse = (config: ServerConfig, tokens: IssuedPair): Response => {
  const body: Record<string, string | number> = { access_token: tokens.accessToken, token_type: 'Bearer' };
  if (!config.omitExpiresIn) body.expires_in = Math.floor(config.accessTokenTtl / 1000);
  if (tokens.refreshToken !== undefined) body.refresh_token = tokens.refreshToken;
  if (tokens.scope !== undefined) body.scope = tokens.scope;
  return Response.json(body, { status: 200, headers: { ...noStoreHeaders } });
};

export async function handleTokenRequest(ctx: EmulationContext, request: Request): Promise<Response> {
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });
  ctx.stats.tokenCalls += 1;
  if (/^Bearer /i.test(request.headers.get('authorization') ?? '')) ctx.stats.bearerAtTokenEndpoint += 1;
  const fault = ctx.faults.take();
  if (ctx.faults.tokenLatency > 0) await realDelay(ctx.faults.tokenLatency, request.signal);
  if (fault?.type === 'latency') await realDelay(fault.ms, request.signal);
  if (fault?.type === 'network-error') return Response.error();
  if (fault?.type === 'status') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    const body = fault.body ?? JSON.stringify({ error: 'temporarily_unavailable' });
    return new Response(body, { status: fault.status, headers });
  }
  if (fault?.type === 'malformed') {
    const headers = { 'content-type': fault.contentType ?? 'application/json' };
    return new Response(fault.body, { status: fault.status ?? 200, headers });
  }

  const params = await readForm(request);
  if (params instanceof Response) return params;
  const client = authenticateClient(ctx.config, request, params);
  if (client instanceof Response) return client;
  const grantType = params.get('grant_type');
  if (grantType === null) return oauthError(400, 'invalid_request', 'grant_type is missing');
  if (grantType === 'client_credentials') {
    // RFC 6749 section 4.4: confidential clients only.
    if (client.auth === 'none') return oauthError(400, 'unauthorized_client');
    ctx.stats.clientCredentialsGrants += 1;
    const scope = params.get('scope') ?? ctx.config.scope;
    return tokenResponse(ctx.config, ctx.registry.issueGrant(client.clientId, scope, false));
  }
  if (grantType !== 'refresh_token') return oauthError(400, 'unsupported_grant_type');
  const refreshToken = params.get('refresh_token');
  if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is missing');

  const outcome = ctx.registry.refresh(refreshToken, client.clientId);
  if (!outcome.ok) {
    if (outcome.revokedGrant) ctx.stats.grantsRevoked += 1;
    if (outcome.reason === 'reused') {
      ctx.stats.reuseDetections += 1;
      const what = outcome.revokedGrant ? 'grant revoked' : 'rejected';
      return oauthError(400, 'invalid_grant', `refresh token reused; ${what}`);
    }
    const reason = outcome.reason === 'wrong-client' ? 'issued to another client' : outcome.reason;
    return oauthError(400, 'invalid_grant', `refresh token ${reason}`);
  }
  ctx.stats.successfulRefreshes += 1;
  if (fault?.type === 'lost-after-rotation') {
    const status = fault.status ?? 502;
    if (status === 'network-error') return Response.error();
    return new Response('Bad Gateway', { status, headers: { 'content-type': 'text/plain' } });
  }
  return tokenResponse(ctx.config, outcome.tokens);
}

export async function handleRevocationRequest(ctx: EmulationContext, request: Request): Promise<Response> {
  const params = await readForm(request);
  if (params instanceof Response) return params;
  const client = authenticateClient(ctx.config, request, params);
  if (client instanceof Response) return client;
  const token = params.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'token is missing');
  // RFC 7009 section 2.2: an unknown token is answered 200 as well.
  const { revokedGrant } = ctx.registry.revokeToken(token);
  if (revokedGrant) ctx.stats.grantsRevoked += 1;
  ctx.stats.revocations += 1;
  return new Response(null, { status: 200, headers: { ...noStoreHeaders } });
}

export async function handleIntrospectionRequest(
  ctx: EmulationContext,
  issuer: string,
  request: Request,
): Promise<Response> {
  const params = await readForm(request);
  if (params instanceof Response) return params;
  const client = authenticateClient(ctx.config, request, params);
  if (client instanceof Response) return client;
  const token = params.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'token is missing');
  ctx.stats.introspections += 1;
  const info = ctx.registry.inspect(token);
  // RFC 7662 section 2.2: nothing but `active: false` for a token that is not active.
  if (!info.active) return Response.json({ active: false }, { headers: { ...noStoreHeaders } });
  const body: Record<string, string | number | boolean> = {
    active: true,
    client_id: info.clientId,
    token_type: info.kind === 'access_token' ? 'Bearer' : 'refresh_token',
    iat: Math.floor(info.issuedAt / 1000),
    iss: issuer,
  };
  if (Number.isFinite(info.expiresAt)) body.exp = Math.floor(info.expiresAt / 1000);
  if (info.scope !== undefined) body.scope = info.scope;
  return Response.json(body, { headers: { ...noStoreHeaders } });
}

/** RFC 8414 metadata for an issuer (the msw one or a listener's). */
export function metadataResponse(ctx: EmulationContext, issuer: string): Response {
  const methods = [...new Set(ctx.config.clients.map((client) => client.auth))];
  return Response.json({
    issuer,
    token_endpoint: `${issuer}/token`,
    revocation_endpoint: `${issuer}/revoke`,
    introspection_endpoint: `${issuer}/introspect`,
    grant_types_supported: ['refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: methods,
    revocation_endpoint_auth_methods_supported: methods,
    introspection_endpoint_auth_methods_supported: methods,
    response_types_supported: [],
  });
}
