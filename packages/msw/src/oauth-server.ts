import { resolveClients } from './clients.ts';
import {
  countersView,
  createFaults,
  createStats,
  type EmulationContext,
  type Origins,
  recorded,
  resetStats,
} from './emulation-state.ts';
import { createFetchDouble } from './fetch-double.ts';
import type { LoopbackListener } from './http-listener.ts';
import { createIdSource } from './ids.ts';
import { originHandlers } from './msw-handlers.ts';
import type { Clock, OAuthServerOptions } from './options.ts';
import { protectRoute } from './protect.ts';
import { handleApiRequest, handleOtherRequest } from './protected-api.ts';
import type { OAuthServer } from './server-types.ts';
import {
  handleIntrospectionRequest,
  handleRevocationRequest,
  handleTokenRequest,
  metadataResponse,
} from './token-endpoint.ts';
import { createTokenRegistry } from './token-registry.ts';

export type { OAuthServer } from './server-types.ts';

const originOf = (value: string): string => new URL(value).origin;

const notFound = (): Response => Response.json({ error: 'not_found' }, { status: 404 });

async function routeAuth(ctx: EmulationContext, issuer: string, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/token') return handleTokenRequest(ctx, request);
  if (pathname === '/revoke') return handleRevocationRequest(ctx, request);
  if (pathname === '/introspect') return handleIntrospectionRequest(ctx, issuer, request);
  if (pathname === '/.well-known/oauth-authorization-server' && request.method === 'GET') {
    return metadataResponse(ctx, issuer);
  }
  return notFound();
}

const nonNegative = (value: number, name: string): number => {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0`);
  return value;
};

export function createOAuthServer(options: OAuthServerOptions = {}): OAuthServer {
  const clock: Clock = options.clock ?? { now: () => Date.now() };
  let offset = 0;
  const now = (): number => clock.now() + offset;
  const accessTokenTtl = nonNegative(options.accessTokenTtl ?? 60_000, 'accessTokenTtl');
  const clients = resolveClients(options.clients);
  const config = {
    clients,
    scope: options.scope,
    accessTokenTtl,
    omitExpiresIn: options.omitExpiresIn ?? false,
    rotation: options.rotation ?? true,
  };
  const ids = createIdSource(options.seed);
  const registry = createTokenRegistry({
    now,
    ids,
    accessTokenTtl,
    refreshTokenTtl:
      options.refreshTokenTtl === undefined
        ? undefined
        : nonNegative(options.refreshTokenTtl, 'refreshTokenTtl'),
    rotation: config.rotation,
    reuseDetection: options.reuseDetection ?? 'revoke-family',
    reuseGraceMs: nonNegative(options.reuseGraceMs ?? 0, 'reuseGraceMs'),
    revokeAccessTokensOnRefresh: options.revokeAccessTokensOnRefresh ?? false,
  });
  const secrets = clients.flatMap((client) =>
    client.clientSecret ? [client.clientSecret, encodeURIComponent(client.clientSecret)] : [],
  );
  const redact = (text: string): string => {
    let out = text.replace(
      /\b(?:at|rt)_[A-Za-z0-9_-]{32}/g,
      (token) => registry.describe(token) ?? '<token>',
    );
    out = out.replace(/^Basic +\S+/i, 'Basic <client credentials>');
    out = out.replace(/^Bearer +(?!<)\S+/i, 'Bearer <unknown token>');
    out = out.replace(/(client_secret=)[^&]*/g, '$1<client secret>');
    for (const secret of secrets) out = out.split(secret).join('<client secret>');
    return out;
  };
  const stats = createStats({
    logLimit: options.requestLogLimit,
    capture: options.captureRequests,
    redact: options.unredactedLog ? undefined : redact,
  });
  const faults = createFaults();
  const origins: Origins = {
    auth: originOf(options.issuer ?? 'https://auth.example.test'),
    api: originOf(options.apiOrigin ?? 'https://api.example.test'),
    other: originOf(options.otherOrigin ?? 'https://other.example.test'),
  };
  const ctx: EmulationContext = { issuer: origins.auth, config, registry, stats, faults };
  const echoOrigins = (options.echoOrigins ?? []).map(originOf);
  const all = [origins.auth, origins.api, origins.other, ...echoOrigins];
  if (new Set(all).size !== all.length) {
    throw new Error('issuer, apiOrigin, otherOrigin and every echo origin must differ');
  }
  const thirdParty = new Set([origins.other, ...echoOrigins]);

  const serveAuth = (issuer: string, request: Request): Promise<Response> =>
    recorded(stats, request, (r) => routeAuth(ctx, issuer, r));
  const serveApi = (live: Origins, request: Request): Promise<Response> =>
    recorded(stats, request, (r) => handleApiRequest(ctx, live, r));
  const serveOther = (request: Request): Promise<Response> => recorded(stats, request, handleOtherRequest);

  const handle = async (request: Request): Promise<Response> => {
    const origin = originOf(request.url);
    if (origin === origins.auth) return serveAuth(origins.auth, request);
    if (origin === origins.api) return serveApi(origins, request);
    if (thirdParty.has(origin)) return serveOther(request);
    // No such host: a network error, as a real fetch would give.
    return Response.error();
  };

  const first = clients[0] ?? { clientId: '', clientSecret: undefined };
  const repeat = (count: number, add: () => void): void => {
    if (!(Number.isInteger(count) && count >= 0)) throw new RangeError('count must be a whole number >= 0');
    for (let i = 0; i < count; i += 1) add();
  };

  return {
    issuer: origins.auth,
    authOrigin: origins.auth,
    tokenEndpoint: `${origins.auth}/token`,
    revocationEndpoint: `${origins.auth}/revoke`,
    introspectionEndpoint: `${origins.auth}/introspect`,
    metadataUrl: `${origins.auth}/.well-known/oauth-authorization-server`,
    clientId: first.clientId,
    clientSecret: first.clientSecret ?? '',
    apiOrigin: origins.api,
    otherOrigin: origins.other,
    echoOrigins,
    apiUrl: (path) => new URL(path, origins.api).href,
    otherUrl: (path) => new URL(path, origins.other).href,

    handlers: originHandlers([origins.auth, origins.api, ...thirdParty], handle),
    handle,
    fetch: createFetchDouble(handle),
    async listen() {
      // Loaded on demand: node:http must stay out of browser bundles.
      const { listenLoopback } = await import('./http-listener.ts');
      const started: LoopbackListener[] = [];
      const start = async (handler: (request: Request) => Promise<Response>): Promise<LoopbackListener> => {
        const listener = await listenLoopback(handler);
        started.push(listener);
        return listener;
      };
      let live: Origins = { auth: '', api: '', other: '' };
      let auth: LoopbackListener;
      let api: LoopbackListener;
      let other: LoopbackListener;
      try {
        auth = await start((request) => serveAuth(live.auth, request));
        api = await start((request) => serveApi(live, request));
        other = await start(serveOther);
      } catch (error) {
        await Promise.all(started.map((listener) => listener.close()));
        throw error;
      }
      live = { auth: auth.origin, api: api.origin, other: other.origin };
      const close = async (): Promise<void> => {
        await Promise.all([auth.close(), api.close(), other.close()]);
      };
      return {
        issuer: auth.origin,
        authOrigin: auth.origin,
        apiOrigin: api.origin,
        otherOrigin: other.origin,
        tokenEndpoint: `${auth.origin}/token`,
        revocationEndpoint: `${auth.origin}/revoke`,
        introspectionEndpoint: `${auth.origin}/introspect`,
        apiUrl: (path) => new URL(path, api.origin).href,
        otherUrl: (path) => new URL(path, other.origin).href,
        close,
        [Symbol.asyncDispose]: close,
      };
    },

    protect: (resolver, protectOptions) => protectRoute(ctx, resolver, protectOptions),

    issueTokens(issue = {}) {
      const clientId = issue.clientId ?? first.clientId;
      if (!clients.some((client) => client.clientId === clientId)) {
        throw new TypeError(`no client ${JSON.stringify(clientId)} is registered`);
      }
      const pair = registry.issueGrant(clientId, issue.scope ?? config.scope);
      if (pair.refreshToken === undefined) throw new Error('a login grant always has a refresh token');
      return {
        accessToken: pair.accessToken,
        refreshToken: pair.refreshToken,
        tokenType: 'Bearer',
        expiresIn: config.omitExpiresIn ? undefined : Math.floor(accessTokenTtl / 1000),
        issuedAt: pair.issuedAt,
        expiresAt: pair.expiresAt,
        scope: pair.scope,
      };
    },
    now,
    advance(ms) {
      offset += nonNegative(ms, 'advance(ms)');
    },
    expireAccessTokens: () => registry.expireAccessTokens(),
    revokeGrant(token) {
      stats.grantsRevoked += registry.revokeGrant(token);
    },
    failNext(count = 1, fail = {}) {
      const fault = {
        type: 'status' as const,
        status: fail.status ?? 503,
        ...(fail.retryAfter === undefined ? {} : { retryAfterSeconds: fail.retryAfter }),
        ...(fail.body === undefined ? {} : { body: fail.body }),
      };
      repeat(count, () => faults.enqueue(fault));
    },
    malformedNext(body = '<html><body>Service temporarily unavailable</body></html>', malformed = {}) {
      const contentType = malformed.contentType ?? (body.startsWith('<') ? 'text/html' : 'application/json');
      faults.enqueue({
        type: 'malformed',
        body,
        contentType,
        ...(malformed.status === undefined ? {} : { status: malformed.status }),
      });
    },
    loseResponseAfterRotation(lost = {}) {
      faults.enqueue({
        type: 'lost-after-rotation',
        ...(lost.status === undefined ? {} : { status: lost.status }),
      });
    },
    networkErrorNext(count = 1) {
      repeat(count, () => faults.enqueue({ type: 'network-error' }));
    },
    latency(ms) {
      faults.tokenLatency = nonNegative(ms, 'latency(ms)');
    },
    faults,
    counters: countersView(stats),
    issuedRefreshTokens: () => registry.issuedRefreshTokens(),
    reset() {
      registry.reset();
      resetStats(stats);
      faults.clear();
      offset = 0;
    },
  };
}
