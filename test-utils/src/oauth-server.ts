import type { TokenSet } from '@tokenrelay/core';
import type { AnyHandler } from 'msw';
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
import { type LoopbackListener, listenLoopback } from './http-listener.ts';
import { originHandlers } from './msw-server.ts';
import type {
  FetchLike,
  IssuedTokens,
  ListeningOAuthServer,
  OAuthCounters,
  OAuthFaults,
  OAuthServerOptions,
} from './oauth-types.ts';
import { handleApiRequest, handleOtherRequest } from './protected-api.ts';
import { handleRevocationRequest, handleTokenRequest } from './token-endpoint.ts';
import { createTokenRegistry } from './token-registry.ts';

/**
 * An OAuth2 authorization server (`/token`, `/revoke`) and a protected API, as one transport-free Fetch-API
 * handler with three transports over the same state: msw handlers, a fetch double, and real loopback listeners.
 */
export interface OAuthServer {
  /**
   * Routes by origin: auth origin, API origin, other origin, echo origins (the configured ones, not the
   * listeners'). Any other origin gets `Response.error()` (a network error).
   */
  handle(request: Request): Promise<Response>;
  /** msw handlers for the auth, API, other and echo origins. */
  readonly handlers: readonly AnyHandler[];
  /** A fetch double that calls `handle` directly. */
  readonly fetch: FetchLike;
  /** Serves the same state on three 127.0.0.1 listeners (auth, API, other origin). */
  listen(): Promise<ListeningOAuthServer>;
  /** A new grant, as after a login. */
  issueTokens(): IssuedTokens;
  /** A new grant as a core `TokenSet`; `expiresAt`/`issuedAt` on `clock` (default: the server's clock). */
  tokenSet(clock?: { now(): number }): TokenSet;
  /** Revokes the grant a token belongs to, or every grant. */
  revokeGrant(token?: string): void;
  /** Every access token issued so far is expired from now on (no fake clock needed). */
  expireAccessTokens(): void;
  /** Every refresh token the server issued so far, used or not (test-only: to scan for leaks). */
  issuedRefreshTokens(): readonly string[];
  readonly counters: OAuthCounters;
  readonly faults: OAuthFaults;
  readonly authOrigin: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  /** The `echoOrigins` option, as origins. */
  readonly echoOrigins: readonly string[];
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  apiUrl(path: string): string;
  otherUrl(path: string): string;
  /** Forgets every grant, counter, log entry and fault. */
  reset(): void;
}

const originOf = (value: string): string => new URL(value).origin;

const notFound = (): Response => Response.json({ error: 'not_found' }, { status: 404 });

async function routeAuth(ctx: EmulationContext, request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/token') return handleTokenRequest(ctx, request);
  if (pathname === '/revoke') return handleRevocationRequest(ctx, request);
  return notFound();
}

export function createOAuthServer(options: OAuthServerOptions = {}): OAuthServer {
  const clock = options.clock ?? { now: () => Date.now() };
  const now = (): number => clock.now();
  const accessTokenTtlMs = options.accessTokenTtlMs ?? 60_000;
  const config = {
    clientId: options.clientId ?? 'tokenrelay-client',
    clientSecret: options.clientSecret ?? 'tokenrelay-secret',
    clientAuth: options.clientAuth ?? 'client_secret_basic',
    scope: options.scope,
    accessTokenTtlMs,
    omitExpiresIn: options.omitExpiresIn ?? false,
  };
  const registry = createTokenRegistry({
    now,
    accessTokenTtlMs,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    reuseDetection: options.reuseDetection ?? true,
    revokeAccessTokensOnRefresh: options.revokeAccessTokensOnRefresh ?? false,
  });
  const stats = createStats({ logLimit: options.requestLogLimit, capture: options.captureRequests });
  const faults = createFaults();
  const ctx: EmulationContext = { config, registry, stats, faults };
  const origins: Origins = {
    auth: originOf(options.authOrigin ?? 'https://auth.example.test'),
    api: originOf(options.apiOrigin ?? 'https://api.example.test'),
    other: originOf(options.otherOrigin ?? 'https://other.example.test'),
  };
  const echoOrigins = (options.echoOrigins ?? []).map(originOf);
  const all = [origins.auth, origins.api, origins.other, ...echoOrigins];
  if (new Set(all).size !== all.length) {
    throw new Error('authOrigin, apiOrigin, otherOrigin and every echo origin must differ');
  }
  const thirdParty = new Set([origins.other, ...echoOrigins]);

  const serveAuth = (request: Request): Promise<Response> =>
    recorded(stats, request, (r) => routeAuth(ctx, r));
  const serveApi = (live: Origins, request: Request): Promise<Response> =>
    recorded(stats, request, (r) => handleApiRequest(ctx, live, r));
  const serveOther = (request: Request): Promise<Response> => recorded(stats, request, handleOtherRequest);

  const handle = async (request: Request): Promise<Response> => {
    const origin = originOf(request.url);
    if (origin === origins.auth) return serveAuth(request);
    if (origin === origins.api) return serveApi(origins, request);
    if (thirdParty.has(origin)) return serveOther(request);
    // No such host: a network error, as a real fetch would give.
    return Response.error();
  };

  const issueTokens = (): IssuedTokens => {
    const pair = registry.issueGrant();
    if (pair.refreshToken === undefined) throw new Error('a login grant always has a refresh token');
    return {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      expiresIn: config.omitExpiresIn ? undefined : Math.floor(accessTokenTtlMs / 1000),
    };
  };

  return {
    handle,
    handlers: originHandlers([origins.auth, origins.api, ...thirdParty], handle),
    fetch: createFetchDouble(handle),
    async listen() {
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
        auth = await start(serveAuth);
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
        authOrigin: auth.origin,
        apiOrigin: api.origin,
        otherOrigin: other.origin,
        tokenEndpoint: `${auth.origin}/token`,
        revocationEndpoint: `${auth.origin}/revoke`,
        apiUrl: (path) => new URL(path, api.origin).href,
        otherUrl: (path) => new URL(path, other.origin).href,
        close,
        [Symbol.asyncDispose]: close,
      };
    },
    issueTokens,
    tokenSet(tokenClock) {
      const issued = issueTokens();
      const issuedAt = (tokenClock ?? clock).now();
      return {
        accessToken: issued.accessToken,
        refreshToken: issued.refreshToken,
        tokenType: 'Bearer',
        expiresAt: config.omitExpiresIn ? undefined : issuedAt + accessTokenTtlMs,
        issuedAt,
        scope: config.scope,
      };
    },
    revokeGrant: (token) => registry.revokeGrant(token),
    expireAccessTokens: () => registry.expireAccessTokens(),
    issuedRefreshTokens: () => registry.issuedRefreshTokens(),
    counters: countersView(stats),
    faults,
    authOrigin: origins.auth,
    apiOrigin: origins.api,
    otherOrigin: origins.other,
    echoOrigins,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    tokenEndpoint: `${origins.auth}/token`,
    revocationEndpoint: `${origins.auth}/revoke`,
    apiUrl: (path) => new URL(path, origins.api).href,
    otherUrl: (path) => new URL(path, origins.other).href,
    reset() {
      registry.reset();
      resetStats(stats);
      faults.clear();
    },
  };
}
