/**
 * The demo's clients: axios, got, ky and fetch with tokenrelay, each on its own grant, and the naive axios
 * interceptor for comparison. Each client fetches the OIDC userinfo resource and checks whose it is.
 */
import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, oauth2Refresh, type TokenManager, type TokenSet } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { tokenRefresh as gotTokenRefresh } from '@tokenrelay/got';
import { tokenRefresh as kyTokenRefresh } from '@tokenrelay/ky';
import type { AuthServer } from '@tokenrelay/test-utils/real-server';
import axios from 'axios';
import got from 'got';
import ky from 'ky';
import { attachNaiveRefresh } from './naive.ts';
import {
  countingAxiosAdapter,
  countingFetch,
  countingGotRequest,
  REQUEST_ID_HEADER,
  type Wire,
} from './wire.ts';

const REQUEST_TIMEOUT_MS = 10_000;

export interface DemoClient {
  readonly label: string;
  readonly wire: Wire;
  /** GETs the userinfo resource once; rejects unless it answered 200 with this client's user. */
  get(id: string): Promise<void>;
  /** Refreshes that got new tokens. */
  refreshes(): number;
  /** Refresh attempts the server turned down. */
  rejectedRefreshes(): number;
  /** The newest refresh token the client holds, to ask the server whether its grant is alive. */
  refreshToken(): string | undefined;
  dispose(): void;
}

export interface ClientSetup {
  readonly server: AuthServer;
  readonly tokens: TokenSet;
  /** The user the grant belongs to; every response must be theirs. */
  readonly subject: string;
  readonly wire: Wire;
}

const expectSubject = (body: unknown, subject: string): void => {
  const sub = typeof body === 'object' && body !== null ? (body as { sub?: unknown }).sub : undefined;
  if (sub !== subject) throw new Error('the resource answered for another user');
};

const idHeaders = (id: string): Record<string, string> => ({ [REQUEST_ID_HEADER]: id });

/**
 * A manager for one grant. Proactive refresh is off and the skew is 0 so that every token really expires under
 * load: each client then meets the same storm of 401s as the naive interceptor.
 */
function managerFor(setup: ClientSetup): {
  manager: TokenManager;
  refreshes: () => number;
  rejected: () => number;
  refreshToken: () => string | undefined;
} {
  const manager = createTokenManager({
    tokens: setup.tokens,
    skewMs: 0,
    proactive: false,
    refresh: oauth2Refresh({
      tokenEndpoint: setup.server.tokenEndpoint,
      clientId: setup.server.client.clientId,
      clientSecret: setup.server.client.clientSecret,
    }),
  });
  let refreshes = 0;
  let rejected = 0;
  let refreshToken = setup.tokens.refreshToken;
  manager.on('refreshed', () => {
    refreshes += 1;
  });
  manager.on('refresh-failed', () => {
    rejected += 1;
  });
  manager.on('tokens', (tokens) => {
    refreshToken = tokens?.refreshToken;
  });
  return { manager, refreshes: () => refreshes, rejected: () => rejected, refreshToken: () => refreshToken };
}

const managed = (
  label: string,
  setup: ClientSetup,
  m: ReturnType<typeof managerFor>,
  get: (id: string) => Promise<void>,
): DemoClient => ({
  label,
  wire: setup.wire,
  get,
  refreshes: m.refreshes,
  rejectedRefreshes: m.rejected,
  refreshToken: m.refreshToken,
  dispose: () => m.manager.dispose(),
});

export function axiosClient(setup: ClientSetup): DemoClient {
  const m = managerFor(setup);
  const api = axios.create({
    baseURL: setup.server.issuer,
    timeout: REQUEST_TIMEOUT_MS,
    adapter: countingAxiosAdapter(setup.wire),
  });
  attachTokenRefresh(api, m.manager);
  return managed('axios', setup, m, async (id) => {
    const response = await api.get('/me', { headers: idHeaders(id) });
    expectSubject(response.data, setup.subject);
  });
}

export function gotClient(setup: ClientSetup): DemoClient {
  const m = managerFor(setup);
  const api = got.extend(
    {
      prefixUrl: setup.server.issuer,
      timeout: { request: REQUEST_TIMEOUT_MS },
      request: countingGotRequest(setup.wire),
    },
    gotTokenRefresh(m.manager),
  );
  return managed('got', setup, m, async (id) => {
    expectSubject(await api.get('me', { headers: idHeaders(id) }).json(), setup.subject);
  });
}

export function kyClient(setup: ClientSetup): DemoClient {
  const m = managerFor(setup);
  const api = ky
    .create({
      baseUrl: `${setup.server.issuer}/`,
      timeout: REQUEST_TIMEOUT_MS,
      fetch: countingFetch(setup.wire),
    })
    .extend(kyTokenRefresh(m.manager));
  return managed('ky', setup, m, async (id) => {
    expectSubject(await api.get('me', { headers: idHeaders(id) }).json(), setup.subject);
  });
}

export function fetchClient(setup: ClientSetup): DemoClient {
  const m = managerFor(setup);
  const authFetch = withTokenRefresh(countingFetch(setup.wire), m.manager, { origins: setup.server.issuer });
  return managed('fetch', setup, m, async (id) => {
    const response = await authFetch(`${setup.server.issuer}/me`, {
      headers: idHeaders(id),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    expectSubject(await response.json(), setup.subject);
  });
}

/** The naive interceptor of ./naive.ts on a plain axios instance. */
export function naiveAxiosClient(setup: ClientSetup): DemoClient {
  const api = axios.create({
    baseURL: setup.server.issuer,
    timeout: REQUEST_TIMEOUT_MS,
    adapter: countingAxiosAdapter(setup.wire),
  });
  const naive = attachNaiveRefresh(api, setup.server, setup.tokens);
  return {
    label: 'naive axios',
    wire: setup.wire,
    get: async (id) => {
      const response = await api.get('/me', { headers: idHeaders(id) });
      expectSubject(response.data, setup.subject);
    },
    refreshes: () => naive.counts().refreshed,
    rejectedRefreshes: () => naive.counts().rejected,
    refreshToken: () => naive.refreshToken(),
    dispose: () => undefined,
  };
}
