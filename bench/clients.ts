/**
 * The subjects: for each HTTP client, a bare instance that sends a static `Authorization` header; the floor, the
 * same client with the least hooks a refreshing adapter needs (they set that same header and look at the response:
 * for ky through its `fetch` option, as the adapter does, since an `afterResponse` hook costs a response clone); the client wrapped by its tokenrelay adapter, whose manager holds that same token, fresh for an hour;
 * and, for axios, the peers (axios-auth-refresh, axios-jwt) holding that token. All send the same bytes to the same
 * server; what differs is the work per request.
 *
 * Adapters and clients are imported lazily, so that one adapter that does not build does not stop the others.
 */
import { Agent } from 'node:http';
import type { TokenManager } from '@tokenrelay/core';
import type { Response as GotResponse } from 'got';

export const CLIENT_NAMES = ['axios', 'got', 'ky', 'fetch'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export const isClientName = (value: string): value is ClientName =>
  (CLIENT_NAMES as readonly string[]).includes(value);

/** One request, its response body read; rejects unless the answer is 200. */
export type Call = () => Promise<void>;

export interface Variant {
  /** `bare`, `floor`, `tokenrelay`, or a peer's package name. */
  readonly name: string;
  readonly call: Call;
}

export interface Subject {
  /** `bare` first, then `floor`, then `tokenrelay`, then the peers. */
  readonly variants: readonly Variant[];
  /** Refreshes the adapter's manager started; must stay 0 in a steady-state run. */
  readonly refreshes: () => number;
  readonly close: () => void;
}

export interface SubjectOptions {
  /** `http://127.0.0.1:<port>` of the bench server. */
  readonly origin: string;
  /** The access token the server accepts. */
  readonly token: string;
  /** Most requests in flight; sizes the keep-alive agents. */
  readonly concurrency: number;
}

const PATH = 'data';

interface ManagerHandle {
  readonly manager: TokenManager;
  readonly refreshes: () => number;
}

async function freshManager(token: string): Promise<ManagerHandle> {
  const { createTokenManager } = await import('@tokenrelay/core');
  const now = Date.now();
  const manager = createTokenManager({
    tokens: {
      accessToken: token,
      refreshToken: 'bench-refresh-token',
      tokenType: 'Bearer',
      issuedAt: now,
      expiresAt: now + 3_600_000,
    },
    refresh: async () => {
      throw new Error('the steady-state benchmark must not refresh');
    },
  });
  let refreshes = 0;
  manager.on('refresh', () => {
    refreshes += 1;
  });
  return { manager, refreshes: () => refreshes };
}

const expectOk = (status: number, client: ClientName): void => {
  if (status !== 200) throw new Error(`${client}: expected 200, got ${status}`);
};

/** One keep-alive agent per variant, so that variants never share (or fight over) sockets. */
function keepAliveAgents(concurrency: number): { readonly next: () => Agent; readonly destroy: () => void } {
  const agents: Agent[] = [];
  return {
    next: () => {
      const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
      agents.push(agent);
      return agent;
    },
    destroy: () => {
      for (const agent of agents) agent.destroy();
    },
  };
}

async function axiosSubject({ origin, token, concurrency }: SubjectOptions): Promise<Subject> {
  const { default: axios } = await import('axios');
  const { attachTokenRefresh } = await import('@tokenrelay/axios');
  const { createAuthRefresh } = await import('axios-auth-refresh');
  const jwt = await import('axios-jwt');
  const { manager, refreshes } = await freshManager(token);
  const agents = keepAliveAgents(concurrency);
  const header = `Bearer ${token}`;
  const create = (agent: Agent) => axios.create({ baseURL: origin, httpAgent: agent });
  const bare = axios.create({
    baseURL: origin,
    httpAgent: agents.next(),
    headers: { Authorization: header },
  });
  const floor = create(agents.next());
  floor.interceptors.request.use((config) => {
    config.headers.set('Authorization', header);
    return config;
  });
  floor.interceptors.response.use(
    (response) => response,
    (error: unknown) => Promise.reject(error),
  );
  const wrapped = create(agents.next());
  const detach = attachTokenRefresh(wrapped, manager);
  // axios-auth-refresh as its README shows: a request interceptor that sets the stored token, and the plugin.
  const authRefresh = create(agents.next());
  authRefresh.interceptors.request.use((config) => {
    config.headers.set('Authorization', header);
    return config;
  });
  createAuthRefresh(authRefresh, async () => {
    throw new Error('the steady-state benchmark must not refresh');
  });
  // axios-jwt with an in-memory storage; the bench token is JWT-shaped, valid for a day.
  const memory = new Map<string, string>();
  const jwtClient = create(agents.next());
  jwt.applyAuthTokenInterceptor(jwtClient, {
    getStorage: () => ({
      get: async (key: string) => memory.get(key) ?? null,
      set: async (key: string, value: string) => void memory.set(key, value),
      remove: async (key: string) => void memory.delete(key),
    }),
    requestRefresh: async () => {
      throw new Error('the steady-state benchmark must not refresh');
    },
  });
  await jwt.setAuthTokens({ accessToken: token, refreshToken: 'bench-refresh-token' });
  const get = async (client: typeof bare): Promise<void> =>
    expectOk((await client.get(`/${PATH}`)).status, 'axios');
  return {
    variants: [
      { name: 'bare', call: () => get(bare) },
      { name: 'floor', call: () => get(floor) },
      { name: 'tokenrelay', call: () => get(wrapped) },
      { name: 'axios-auth-refresh', call: () => get(authRefresh) },
      { name: 'axios-jwt', call: () => get(jwtClient) },
    ],
    refreshes,
    close: () => {
      detach();
      manager.dispose();
      agents.destroy();
    },
  };
}

async function gotSubject({ origin, token, concurrency }: SubjectOptions): Promise<Subject> {
  const { default: got } = await import('got');
  const { tokenRefresh } = await import('@tokenrelay/got');
  const { manager, refreshes } = await freshManager(token);
  const agents = keepAliveAgents(concurrency);
  const header = `Bearer ${token}`;
  const bare = got.extend({
    prefixUrl: origin,
    agent: { http: agents.next() },
    headers: { authorization: header },
  });
  const floor = got.extend({
    prefixUrl: origin,
    agent: { http: agents.next() },
    hooks: {
      beforeRequest: [
        (options) => {
          options.headers.authorization = header;
        },
      ],
      afterResponse: [(response) => response],
    },
  });
  const wrapped = got.extend({ prefixUrl: origin, agent: { http: agents.next() } }, tokenRefresh(manager));
  // `tokenRefresh()` is typed as got's wide `ExtendOptions`, whose `resolveBodyOnly?: boolean` makes the extended
  // instance's responses `unknown`; both calls are the same at run time, so the cast only restores got's own type.
  const get = async (client: typeof bare | typeof floor | typeof wrapped): Promise<void> => {
    const response = (await client.get(PATH, { responseType: 'json' })) as GotResponse<unknown>;
    expectOk(response.statusCode, 'got');
  };
  return {
    variants: [
      { name: 'bare', call: () => get(bare) },
      { name: 'floor', call: () => get(floor) },
      { name: 'tokenrelay', call: () => get(wrapped) },
    ],
    refreshes,
    close: () => {
      manager.dispose();
      agents.destroy();
    },
  };
}

/** ky and fetch go through Node's global fetch (undici) and its connection pool. */
async function kySubject({ origin, token }: SubjectOptions): Promise<Subject> {
  const { default: ky } = await import('ky');
  const { tokenRefresh } = await import('@tokenrelay/ky');
  const { manager, refreshes } = await freshManager(token);
  const header = `Bearer ${token}`;
  const bare = ky.create({ baseUrl: origin, headers: { authorization: header } });
  // The least a ky adapter needs: a hook that sets the header, and a look at each response's status. ky clones every
  // response for an `afterResponse` hook; a `fetch` that passes the response through sees it without that clone
  // (the adapter spots its 401s there).
  const floor = ky.create({
    baseUrl: origin,
    fetch: (input, init) =>
      globalThis.fetch(input, init).then((response) => {
        if (response.status === 401) throw new Error('the steady-state benchmark must not see a 401');
        return response;
      }),
    hooks: {
      beforeRequest: [
        ({ request }) => {
          request.headers.set('authorization', header);
        },
      ],
    },
  });
  const wrapped = ky.create({ baseUrl: origin }).extend(tokenRefresh(manager));
  const get = async (client: typeof bare): Promise<void> => {
    const response = await client.get(PATH);
    await response.json();
    expectOk(response.status, 'ky');
  };
  return {
    variants: [
      { name: 'bare', call: () => get(bare) },
      { name: 'floor', call: () => get(floor) },
      { name: 'tokenrelay', call: () => get(wrapped) },
    ],
    refreshes,
    close: () => manager.dispose(),
  };
}

async function fetchSubject({ origin, token }: SubjectOptions): Promise<Subject> {
  const { withTokenRefresh } = await import('@tokenrelay/fetch');
  const { manager, refreshes } = await freshManager(token);
  const url = `${origin}/${PATH}`;
  const header = `Bearer ${token}`;
  const wrapped = withTokenRefresh(fetch, manager, { origins: origin });
  // The floor: a wrapper that awaits the (held) token and sets the header, as any wrapper must.
  const held = Promise.resolve(header);
  const floor = async (input: string): Promise<Response> => {
    const headers = new Headers();
    headers.set('authorization', await held);
    return fetch(input, { headers });
  };
  const read = async (response: Response): Promise<void> => {
    await response.json();
    expectOk(response.status, 'fetch');
  };
  return {
    variants: [
      { name: 'bare', call: async () => read(await fetch(url, { headers: { authorization: header } })) },
      { name: 'floor', call: async () => read(await floor(url)) },
      { name: 'tokenrelay', call: async () => read(await wrapped(url)) },
    ],
    refreshes,
    close: () => manager.dispose(),
  };
}

export const subjects: Readonly<Record<ClientName, (options: SubjectOptions) => Promise<Subject>>> = {
  axios: axiosSubject,
  got: gotSubject,
  ky: kySubject,
  fetch: fetchSubject,
};
