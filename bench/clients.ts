/**
 * The subjects: for each HTTP client, a bare instance that sends a static `Authorization` header and the same
 * client wrapped by its tokenrelay adapter, whose manager holds that same token, fresh for an hour. Both send the
 * same bytes to the same server; what differs is the adapter's work per request.
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

export interface Subject {
  readonly bare: Call;
  readonly wrapped: Call;
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

/** One keep-alive agent per variant, so that bare and wrapped never share (or fight over) sockets. */
const keepAliveAgents = (concurrency: number): readonly [Agent, Agent] => [
  new Agent({ keepAlive: true, maxSockets: concurrency }),
  new Agent({ keepAlive: true, maxSockets: concurrency }),
];

async function axiosSubject({ origin, token, concurrency }: SubjectOptions): Promise<Subject> {
  const { default: axios } = await import('axios');
  const { attachTokenRefresh } = await import('@tokenrelay/axios');
  const { manager, refreshes } = await freshManager(token);
  const agents = keepAliveAgents(concurrency);
  const bare = axios.create({
    baseURL: origin,
    httpAgent: agents[0],
    headers: { Authorization: `Bearer ${token}` },
  });
  const wrapped = axios.create({ baseURL: origin, httpAgent: agents[1] });
  const detach = attachTokenRefresh(wrapped, manager);
  const get = async (client: typeof bare): Promise<void> =>
    expectOk((await client.get(`/${PATH}`)).status, 'axios');
  return {
    bare: () => get(bare),
    wrapped: () => get(wrapped),
    refreshes,
    close: () => {
      detach();
      manager.dispose();
      for (const agent of agents) agent.destroy();
    },
  };
}

async function gotSubject({ origin, token, concurrency }: SubjectOptions): Promise<Subject> {
  const { default: got } = await import('got');
  const { tokenRefresh } = await import('@tokenrelay/got');
  const { manager, refreshes } = await freshManager(token);
  const agents = keepAliveAgents(concurrency);
  const bare = got.extend({
    prefixUrl: origin,
    agent: { http: agents[0] },
    headers: { authorization: `Bearer ${token}` },
  });
  const wrapped = got.extend({ prefixUrl: origin, agent: { http: agents[1] } }, tokenRefresh(manager));
  // `tokenRefresh()` is typed as got's wide `ExtendOptions`, whose `resolveBodyOnly?: boolean` makes the extended
  // instance's responses `unknown`; both calls are the same at run time, so the cast only restores got's own type.
  const get = async (client: typeof bare | typeof wrapped): Promise<void> => {
    const response = (await client.get(PATH, { responseType: 'json' })) as GotResponse<unknown>;
    expectOk(response.statusCode, 'got');
  };
  return {
    bare: () => get(bare),
    wrapped: () => get(wrapped),
    refreshes,
    close: () => {
      manager.dispose();
      for (const agent of agents) agent.destroy();
    },
  };
}

/** ky and fetch go through Node's global fetch (undici) and its connection pool. */
async function kySubject({ origin, token }: SubjectOptions): Promise<Subject> {
  const { default: ky } = await import('ky');
  const { tokenRefresh } = await import('@tokenrelay/ky');
  const { manager, refreshes } = await freshManager(token);
  const bare = ky.create({ baseUrl: origin, headers: { authorization: `Bearer ${token}` } });
  const wrapped = ky.create({ baseUrl: origin }).extend(tokenRefresh(manager));
  const get = async (client: typeof bare): Promise<void> => {
    const response = await client.get(PATH);
    await response.json();
    expectOk(response.status, 'ky');
  };
  return { bare: () => get(bare), wrapped: () => get(wrapped), refreshes, close: () => manager.dispose() };
}

async function fetchSubject({ origin, token }: SubjectOptions): Promise<Subject> {
  const { withTokenRefresh } = await import('@tokenrelay/fetch');
  const { manager, refreshes } = await freshManager(token);
  const url = `${origin}/${PATH}`;
  const wrapped = withTokenRefresh(fetch, manager, { origins: origin });
  const read = async (response: Response): Promise<void> => {
    await response.json();
    expectOk(response.status, 'fetch');
  };
  return {
    bare: async () => read(await fetch(url, { headers: { authorization: `Bearer ${token}` } })),
    wrapped: async () => read(await wrapped(url)),
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
