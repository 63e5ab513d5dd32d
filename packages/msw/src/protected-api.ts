import { type EmulationContext, type Origins, realDelay } from './emulation-state.ts';
import type { ApiEcho } from './options.ts';
import { bearerToken, checkAccessToken, invalidToken } from './protect.ts';

/**
 * The resource server. Routes on the API origin (all need a valid bearer token unless noted):
 * - `/unavailable`: 503 while `faults.unavailableRemaining > 0` (before any token check), then like any path.
 * - `/network-error`: drops the connection, whatever the token (before any token check).
 * - `/forbidden`: 403 `Bearer error="insufficient_scope"`.
 * - `/unauthorized`: 401 `Bearer error="invalid_token"` whatever the token (a replay that fails again).
 * - `/redirect/{301|302|303|307|308}/rest?query`: redirects to `{other origin}/rest?query`.
 * - `/redirect-to/{301|302|303|307|308}?location=<absolute URL>`: redirects there (any origin).
 * - `/status/{code}`: answers that status with an echo body.
 * - anything else: 200 echo.
 * The other origin (and each echo origin) answers every request with an echo and never asks for a token;
 * `/status/{4xx|5xx}` there answers that status (a 401 with a Bearer challenge).
 */

const CHALLENGE = 'Bearer realm="tokenrelay-api"';

const hiddenHeaders = new Set(['authorization', 'cookie', 'proxy-authorization']);

async function echo(request: Request, url: URL): Promise<Omit<ApiEcho, 'tokenSerial' | 'tokenSuffix'>> {
  const contentType = request.headers.get('content-type');
  const text = request.body === null ? '' : await request.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = /json/i.test(contentType ?? '') ? JSON.parse(text) : text;
    } catch {
      body = text;
    }
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of request.headers) if (!hiddenHeaders.has(name)) headers[name] = value;
  return {
    ok: true,
    origin: url.origin,
    method: request.method,
    path: url.pathname + url.search,
    body,
    contentType,
    headers,
  };
}

export async function handleApiRequest(
  ctx: EmulationContext,
  origins: Origins,
  request: Request,
): Promise<Response> {
  const index = ctx.stats.apiRequests;
  ctx.stats.apiRequests += 1;
  if (ctx.faults.apiLatency) await realDelay(ctx.faults.apiLatency(index), request.signal);
  const response = await answerApi(ctx, origins, request);
  if (response.status === 401) ctx.stats.unauthorized += 1;
  return response;
}

async function answerApi(ctx: EmulationContext, origins: Origins, request: Request): Promise<Response> {
  const { faults, registry } = ctx;
  const url = new URL(request.url);
  if (url.pathname === '/unavailable' && faults.unavailableRemaining > 0) {
    faults.unavailableRemaining -= 1;
    const headers: Record<string, string> = {};
    if (faults.unavailableRetryAfterSeconds !== undefined) {
      headers['retry-after'] = String(faults.unavailableRetryAfterSeconds);
    }
    return Response.json({ error: 'unavailable' }, { status: 503, headers });
  }
  if (url.pathname === '/network-error') return Response.error();

  const token = bearerToken(request.headers.get('authorization'));
  if (token === undefined) {
    return Response.json(
      { error: 'unauthorized' },
      { status: 401, headers: { 'www-authenticate': CHALLENGE } },
    );
  }
  const check = checkAccessToken(registry, token);
  if (!check.ok) return invalidToken(CHALLENGE, check.reason);

  if (url.pathname === '/unauthorized') {
    const challenge = `${CHALLENGE}, error="invalid_token", error_description="this resource refuses every token"`;
    return Response.json(
      { error: 'invalid_token' },
      { status: 401, headers: { 'www-authenticate': challenge } },
    );
  }
  if (url.pathname === '/forbidden') {
    const challenge = `${CHALLENGE}, error="insufficient_scope", scope="admin"`;
    return Response.json(
      { error: 'insufficient_scope' },
      { status: 403, headers: { 'www-authenticate': challenge } },
    );
  }
  const redirect = /^\/redirect\/(301|302|303|307|308)(\/.*)?$/.exec(url.pathname);
  if (redirect) {
    const location = new URL((redirect[2] ?? '/') + url.search, origins.other).href;
    return new Response(null, { status: Number(redirect[1]), headers: { location } });
  }
  const redirectTo = /^\/redirect-to\/(301|302|303|307|308)$/.exec(url.pathname);
  const target = url.searchParams.get('location');
  if (redirectTo && target !== null) {
    return new Response(null, { status: Number(redirectTo[1]), headers: { location: new URL(target).href } });
  }
  const status = /^\/status\/([1-5]\d\d)$/.exec(url.pathname);
  const code = status ? Number(status[1]) : 200;
  if (code < 200 || code === 204 || code === 205 || code === 304) return new Response(null, { status: code });
  const answer: ApiEcho = {
    ...(await echo(request, url)),
    tokenSerial: check.details.serial,
    tokenSuffix: token.slice(-6),
  };
  return Response.json(answer, { status: code });
}

/** A third-party origin: echoes every request and records whether it carried a token. */
export async function handleOtherRequest(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const answer: ApiEcho = {
    ...(await echo(request, url)),
    sawAuthorization: request.headers.has('authorization'),
  };
  const status = Number(/^\/status\/([45]\d\d)$/.exec(url.pathname)?.[1] ?? 200);
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': CHALLENGE } : {};
  return Response.json(answer, { status, headers });
}
