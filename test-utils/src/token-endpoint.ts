import { type EmulationContext, realDelay, type ServerConfig } from './emulation-state.ts';
import type { IssuedPair } from './token-registry.ts';

/** `POST /token` (RFC 6749 section 6, refresh_token grant) and `POST /revoke` (RFC 7009). */

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

const oauthError = (status: number, error: string, description?: string, challenge?: boolean): Response => {
  const headers: Record<string, string> = { ...noStore };
  if (challenge) headers['www-authenticate'] = 'Basic realm="tokenrelay-auth"';
  const body = description === undefined ? { error } : { error, error_description: description };
  return Response.json(body, { status, headers });
};

/** `application/x-www-form-urlencoded` decoding of one component (RFC 6749 appendix B). */
const formDecode = (value: string): string | undefined => {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/** RFC 6749 section 2.3.1: the `Authorization: Basic` value a client must send. */
export function encodeBasicCredentials(id: string, secret: string): string {
  const encode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`, 'utf8').toString('base64')}`;
}

/** RFC 6749 section 2.3.1: base64 of `urlencode(id):urlencode(secret)`. */
export function decodeBasicCredentials(
  header: string,
): { readonly id: string; readonly secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=._~-]+) *$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

/** Checks the client as `config.clientAuth` demands; a Response is the failure to answer. */
function authenticateClient(
  config: ServerConfig,
  request: Request,
  params: URLSearchParams,
): Response | undefined {
  const authorization = request.headers.get('authorization');
  const basic = authorization !== null && /^Basic /i.test(authorization);
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (basic && bodySecret !== null) {
    return oauthError(400, 'invalid_request', 'more than one client authentication method');
  }
  if (config.clientAuth === 'client_secret_basic') {
    const credentials = basic ? decodeBasicCredentials(authorization) : undefined;
    const ok =
      credentials !== undefined &&
      credentials.id === config.clientId &&
      credentials.secret === config.clientSecret &&
      (bodyId === null || bodyId === config.clientId);
    return ok ? undefined : oauthError(401, 'invalid_client', 'client authentication failed', true);
  }
  if (config.clientAuth === 'client_secret_post') {
    const ok = !basic && bodyId === config.clientId && bodySecret === config.clientSecret;
    return ok ? undefined : oauthError(401, 'invalid_client', 'client authentication failed', basic);
  }
  const ok = !basic && bodySecret === null && bodyId === config.clientId;
  return ok ? undefined : oauthError(401, 'invalid_client', 'client authentication failed', basic);
}

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
  if (!config.omitExpiresIn) body.expires_in = Math.floor(config.accessTokenTtlMs / 1000);
  if (tokens.refreshToken !== undefined) body.refresh_token = tokens.refreshToken;
  if (config.scope !== undefined) body.scope = config.scope;
  return Response.json(body, { status: 200, headers: { ...noStore } });
};

export async function handleTokenRequest(ctx: EmulationContext, request: Request): Promise<Response> {
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });
  ctx.stats.tokenCalls += 1;
  if (/^Bearer /i.test(request.headers.get('authorization') ?? '')) ctx.stats.bearerAtTokenEndpoint += 1;
  const fault = ctx.faults.take();
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
  const failed = authenticateClient(ctx.config, request, params);
  if (failed) return failed;
  const grantType = params.get('grant_type');
  if (grantType === null) return oauthError(400, 'invalid_request', 'grant_type is missing');
  if (grantType === 'client_credentials') {
    if (ctx.config.clientAuth === 'none') return oauthError(400, 'unauthorized_client');
    return tokenResponse(ctx.config, ctx.registry.issueGrant(false));
  }
  if (grantType !== 'refresh_token') return oauthError(400, 'unsupported_grant_type');
  const refreshToken = params.get('refresh_token');
  if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is missing');

  const outcome = ctx.registry.refresh(refreshToken);
  if (!outcome.ok) {
    if (outcome.reason === 'reused') {
      ctx.stats.reuseDetections += 1;
      return oauthError(400, 'invalid_grant', 'refresh token reused; grant revoked');
    }
    return oauthError(400, 'invalid_grant', `refresh token ${outcome.reason}`);
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
  const failed = authenticateClient(ctx.config, request, params);
  if (failed) return failed;
  const token = params.get('token');
  if (!token) return oauthError(400, 'invalid_request', 'token is missing');
  // RFC 7009 section 2.2: an unknown token is answered 200 as well.
  ctx.registry.revokeToken(token);
  ctx.stats.revocations += 1;
  return new Response(null, { status: 200, headers: { ...noStore } });
}
