/**
 * One integration test's world: a real oidc-provider on 127.0.0.1 (rotation with reuse detection, 2 s access
 * tokens, no clock tolerance), a grant from a real login, a core manager refreshing with `oauth2Refresh`
 * (client_secret_basic, the fixture's special-character secret) and revoking with `oauth2Revoke`, and the
 * adapter's client calling the protected resource (userinfo). Built per test, torn down after it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTokenManager,
  memoryStore,
  oauth2Refresh,
  oauth2Revoke,
  type RefreshFunction,
  type RefreshReason,
  type RevokeFunction,
  type TokenManager,
  type TokenSet,
  type TokenStore,
} from '@tokenrelay/core';
import type { ConformanceAdapter, ConformanceClient, ConformanceResponse } from '../conformance/types.ts';
import { type AuthServer, startAuthServer } from '../real-server/auth-server.ts';
import type { GrantedTokens } from '../real-server/code-flow.ts';
import { type DelayProxy, startDelayProxy } from './delay-proxy.ts';

/**
 * The tokens the manager starts with, straight from the login:
 * - `fresh`: with their expiry, as a client would store them;
 * - `expired`: the manager's clock says they expired (it refreshes before sending anything);
 * - `unknown-expiry`: no expiry, and refresh results are stripped of `expires_in` too, so that the manager only
 *   learns of an expiry from the server's 401 (as with a server that omits `expires_in`).
 */
export type StartTokens = 'fresh' | 'expired' | 'unknown-expiry';

export interface RigOptions {
  readonly tokens?: StartTokens;
  /** `oauth2Refresh` sends a wrong client secret. */
  readonly wrongClientSecret?: boolean;
  /** The client reaches userinfo through a `DelayProxy` (its origin is then the API origin). */
  readonly delayProxy?: boolean;
  /** Access-token lifetime in whole seconds. Default 2 (the fixture's). */
  readonly accessTokenTtl?: number;
}

/** One call the manager made to the token endpoint, on the wall clock. */
export interface TokenCall {
  readonly startedAt: number;
  /** When the response headers (or the failure) arrived. */
  answeredAt: number | undefined;
  /** HTTP status; `undefined` when no response arrived. */
  status: number | undefined;
}

export interface Rig {
  readonly server: AuthServer;
  readonly manager: TokenManager;
  readonly client: ConformanceClient;
  readonly store: TokenStore;
  /** With `delayProxy`: the proxy between the client and userinfo. */
  readonly proxy: DelayProxy | undefined;
  /** The URL of the protected resource (userinfo) as the client calls it. */
  readonly apiUrl: string;
  /** The tokens the login issued (what the manager started with). */
  readonly login: LoginTokens;
  /** Wall-clock time when the login's tokens had arrived. */
  readonly loginAt: number;
  /** The access tokens' lifetime in seconds. */
  readonly accessTokenTtl: number;
  /** `count` concurrent GETs of the protected resource through the adapter's client. */
  wave(count: number): Promise<PromiseSettledResult<ConformanceResponse>[]>;
  readonly tokenCalls: readonly TokenCall[];
  /** Most token-endpoint calls in flight at once. */
  maxInFlight(): number;
  /**
   * Resolves once no refresh is under way (the proactive timer starts them on its own); counts read right after,
   * in the same tick, are consistent. Rejects after 5 s.
   */
  quiet(): Promise<void>;
  /** How many times the client presented a refresh token it had already exchanged successfully. */
  reusedRefreshTokens(): number;
  /** The reason of each refresh the manager started. */
  readonly refreshReasons: readonly RefreshReason[];
  reauthEvents(): number;
  /** The tokens each `revoke()` handed to `oauth2Revoke`. */
  readonly revoked: readonly TokenSet[];
}

export type LoginTokens = TokenSet & { readonly refreshToken: string };

const startTokens = (login: GrantedTokens, mode: StartTokens): LoginTokens => {
  const now = Date.now();
  const lifetime = login.expiresIn * 1000;
  const base = {
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    tokenType: login.tokenType,
  };
  if (mode === 'unknown-expiry') return { ...base, issuedAt: now };
  if (mode === 'expired') return { ...base, issuedAt: now - lifetime - 1, expiresAt: now - 1 };
  return { ...base, issuedAt: now, expiresAt: now + lifetime };
};

const withoutExpiry =
  (refresh: RefreshFunction): RefreshFunction =>
  async (context) => ({ ...(await refresh(context)), expiresIn: undefined, expiresAt: undefined });

/** Builds rigs; each is torn down by the cleanups the suite runs after the test. */
export async function createRig(
  adapter: ConformanceAdapter,
  cleanups: (() => void | Promise<void>)[],
  options: RigOptions = {},
): Promise<Rig> {
  const server = await startAuthServer({ accessTokenTtl: options.accessTokenTtl });
  cleanups.push(() => server.close());
  const login = startTokens(await server.login(), options.tokens ?? 'fresh');
  const loginAt = Date.now();
  server.resetEvents();

  const tokenCalls: TokenCall[] = [];
  // Refresh tokens the client saw exchanged (200): presenting one again is a reuse.
  const exchanged = new Set<string>();
  let reused = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const countingFetch: typeof fetch = async (input, init) => {
    const refreshToken = new URLSearchParams(typeof init?.body === 'string' ? init.body : '').get(
      'refresh_token',
    );
    if (refreshToken !== null && exchanged.has(refreshToken)) reused += 1;
    const call: TokenCall = { startedAt: Date.now(), answeredAt: undefined, status: undefined };
    tokenCalls.push(call);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const response = await globalThis.fetch(input, init);
      call.status = response.status;
      if (response.ok && refreshToken !== null) exchanged.add(refreshToken);
      return response;
    } finally {
      call.answeredAt = Date.now();
      inFlight -= 1;
    }
  };

  const { clientId, clientSecret } = server.client;
  const refresh = oauth2Refresh({
    tokenEndpoint: server.tokenEndpoint,
    clientId,
    clientSecret: options.wrongClientSecret ? `${clientSecret}-wrong` : clientSecret,
    clientAuth: 'client_secret_basic',
    fetch: countingFetch,
  });
  const revoked: TokenSet[] = [];
  const revokeAtServer = oauth2Revoke({
    revocationEndpoint: server.revocationEndpoint,
    clientId,
    clientSecret,
    fetch: globalThis.fetch,
  });
  const revoke: RevokeFunction = (context) => {
    if (context.tokens !== undefined) revoked.push(context.tokens);
    return revokeAtServer(context);
  };
  const store = memoryStore(login);
  const manager = createTokenManager({
    store,
    refresh: options.tokens === 'unknown-expiry' ? withoutExpiry(refresh) : refresh,
    revoke,
  });
  const refreshReasons: RefreshReason[] = [];
  let reauth = 0;
  manager.on('refresh', ({ reason }) => refreshReasons.push(reason));
  manager.on('reauth-required', () => {
    reauth += 1;
  });
  cleanups.push(() => manager.dispose());

  const proxy = options.delayProxy ? await startDelayProxy(server.issuer) : undefined;
  if (proxy !== undefined) cleanups.push(() => proxy.close());
  const apiOrigin = proxy?.origin ?? server.issuer;
  const apiUrl = `${apiOrigin}${new URL(server.userinfoUrl).pathname}`;
  // Nothing listens there and nothing is sent there: adapters only need an origin that is not the API's.
  const otherOrigin = `http://[::1]:${new URL(apiOrigin).port}`;
  const client = adapter.makeClient({ manager, apiOrigin, otherOrigin });
  cleanups.push(() => client.dispose?.());

  return {
    server,
    manager,
    client,
    store,
    proxy,
    apiUrl,
    login,
    loginAt,
    accessTokenTtl: options.accessTokenTtl ?? 2,
    wave: (count) => Promise.allSettled(Array.from({ length: count }, () => client.request({ url: apiUrl }))),
    tokenCalls,
    maxInFlight: () => maxInFlight,
    async quiet() {
      const deadline = Date.now() + 5_000;
      while (inFlight > 0 || manager.state === 'refreshing') {
        if (Date.now() > deadline) throw new Error('a token refresh is still under way after 5 s');
        await sleep(10);
      }
    },
    reusedRefreshTokens: () => reused,
    refreshReasons,
    reauthEvents: () => reauth,
    revoked,
  };
}
