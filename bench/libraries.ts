/**
 * Every library the peer and scale benches compare, set up as its own documentation shows, each from npm (the
 * versions are read from `node_modules` and printed with the results):
 *
 * - tokenrelay's four adapters, with `oauth2Refresh()` against the emulation's token endpoint;
 * - axios-auth-refresh (default, and `deduplicateRefresh: false`), a request interceptor setting the header from the
 *   stored token as its README shows, its refresh call through a separate axios instance;
 * - axios-jwt, with an in-memory storage (its `getStorage` option);
 * - got's documented recipe (an `afterResponse` hook that refreshes on a 401, merges the new header into the
 *   instance's mutable defaults and calls `retryWithMergedOptions`);
 * - ky's documented recipe (a `beforeRequest` hook setting the header; an `afterResponse` hook that, on a 401 at
 *   `retryCount === 0`, refreshes and returns `ky.retry({ request })` with the new header);
 * - a naive axios response interceptor that refreshes on every 401 and retries the request once;
 * - each bare client, sending the login token and never refreshing;
 * - for the scale bench only, each client's floor (`SCALE_FLOORS`): the least a correct waiting hook needs.
 *
 * The recipes are written here from what those documents describe. Each peer refreshes with the refresh token it
 * holds and stores the rotated one, as a user of it would.
 *
 * Two client defaults are changed for all (tokenrelay included), because the scale bench queues thousands of
 * requests behind a connection pool and they would measure the pool, not the library: ky's 10 s request timeout
 * is off, and undici's connect timeout is 60 s instead of 10 s.
 */
import { Agent as HttpAgent } from 'node:http';
import { createRequire } from 'node:module';
import type { TokenManager } from '@tokenrelay/core';
import type { AxiosInstance } from 'axios';
import type { BeforeRequestHook, Hooks } from 'ky';
import { Agent as UndiciAgent } from 'undici';
import type { BenchTokens, Emulation } from './emulation.ts';

export type ClientFamily = 'axios' | 'got' | 'ky' | 'fetch';
/**
 * `reference`: a measurement to read beside a floor, never a target (not in the default run; picked by id with
 * `BENCH_SCALE_LIBRARIES`).
 */
export type LibraryKind = 'tokenrelay' | 'peer' | 'bare' | 'floor' | 'reference';

/** A request's outcome: the HTTP status, or -1 when the call rejected without a response. */
export type Outcome = number;

export interface Library {
  /** GET `url` (absolute), read the body; never rejects. */
  get(url: string): Promise<Outcome>;
  close(): void;
}

export interface LibraryContext {
  /** Told why a request rejected without a response (name, code and the message's first line). */
  readonly onError?: ((reason: string) => void) | undefined;
  readonly emulation: Emulation;
  readonly tokens: BenchTokens;
  /** Keep-alive connections per client. */
  readonly pool: number;
  /** tokenrelay's `queue.maxWaiters`. */
  readonly maxWaiters: number;
}

export interface LibrarySpec {
  readonly id: string;
  readonly label: string;
  readonly family: ClientFamily;
  readonly kind: LibraryKind;
  /** npm package whose version is reported. */
  readonly packageName: string;
  create(context: LibraryContext): Promise<Library>;
}

const require = createRequire(import.meta.url);

/** The installed version of a package the bench depends on. */
export function versionOf(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    try {
      const main = require.resolve(name);
      const root = main.slice(
        0,
        main.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length,
      );
      return (require(`${root}package.json`) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  }
}

const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error).slice(0, 80);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` <- ${reasonOf(error.cause)}` : '';
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message.split('\n')[0]?.slice(0, 80)}${cause}`;
};

/** The HTTP status of a rejection that carries a response; -1 (and `onError`) for one without. */
const statusOf = (error: unknown, onError: LibraryContext['onError']): Outcome => {
  const e = error as { response?: { status?: unknown; statusCode?: unknown } };
  const status = e.response?.status ?? e.response?.statusCode;
  if (typeof status === 'number') return status;
  onError?.(reasonOf(error));
  return -1;
};

/** The token a peer holds; replaced on every refresh (rotation). */
interface Held {
  accessToken: string;
  refreshToken: string;
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
}

const basic = (emulation: Emulation): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(emulation.clientId)}:${encodeURIComponent(emulation.clientSecret)}`).toString('base64')}`;

const refreshForm = (refreshToken: string): string =>
  new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();

const store = (held: Held, body: TokenResponse): string => {
  held.accessToken = body.access_token;
  if (body.refresh_token !== undefined) held.refreshToken = body.refresh_token;
  return body.access_token;
};

const httpAgent = (pool: number): HttpAgent => new HttpAgent({ keepAlive: true, maxSockets: pool });

/**
 * Node's fetch over an undici pool of `pool` connections per origin. The connect timeout is raised from undici's
 * 10 s: when thousands of requests open connections at once, the loopback listener's accept backlog makes some
 * connects wait longer than that, which says nothing about the library under test.
 */
function pooledFetch(pool: number): { fetch: typeof fetch; close: () => void } {
  const dispatcher = new UndiciAgent({ connections: pool, connect: { timeout: 60_000 } });
  const pooled = ((input: RequestInfo | URL, init?: RequestInit) =>
    fetch(input, { ...init, dispatcher } as RequestInit)) as typeof fetch;
  return { fetch: pooled, close: () => void dispatcher.destroy() };
}

async function managerFor(context: LibraryContext, fetchImpl?: typeof fetch): Promise<TokenManager> {
  const { createTokenManager, oauth2Refresh } = await import('@tokenrelay/core');
  const { emulation, tokens } = context;
  return createTokenManager({
    tokens: {
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      tokenType: 'Bearer',
      expiresAt: tokens.expiresAt,
      issuedAt: Date.now(),
    },
    refresh: oauth2Refresh({
      tokenEndpoint: emulation.tokenEndpoint,
      clientId: emulation.clientId,
      clientSecret: emulation.clientSecret,
      ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
    }),
    queue: { maxWaiters: context.maxWaiters },
  });
}

// ---- axios ----

async function axiosModule(): Promise<typeof import('axios').default> {
  return (await import('axios')).default;
}

async function axiosGet(
  instance: AxiosInstance,
  url: string,
  onError: LibraryContext['onError'],
): Promise<Outcome> {
  try {
    return (await instance.get(url)).status;
  } catch (error) {
    return statusOf(error, onError);
  }
}

const tokenrelayAxios: LibrarySpec = {
  id: 'tokenrelay-axios',
  label: 'tokenrelay axios',
  family: 'axios',
  kind: 'tokenrelay',
  packageName: '@tokenrelay/axios',
  async create(context) {
    const axios = await axiosModule();
    const { attachTokenRefresh } = await import('@tokenrelay/axios');
    const manager = await managerFor(context);
    const agent = httpAgent(context.pool);
    const instance = axios.create({ baseURL: context.emulation.apiOrigin, httpAgent: agent });
    const detach = attachTokenRefresh(instance, manager);
    return {
      get: (url) => axiosGet(instance, url, context.onError),
      close: () => {
        detach();
        manager.dispose();
        agent.destroy();
      },
    };
  },
};

function axiosAuthRefresh(deduplicateRefresh: boolean): LibrarySpec {
  return {
    id: deduplicateRefresh ? 'axios-auth-refresh' : 'axios-auth-refresh-nodedupe',
    label: deduplicateRefresh ? 'axios-auth-refresh' : 'axios-auth-refresh (deduplicateRefresh: false)',
    family: 'axios',
    kind: 'peer',
    packageName: 'axios-auth-refresh',
    async create(context) {
      const { emulation, tokens, pool } = context;
      const axios = await axiosModule();
      const { createAuthRefresh } = await import('axios-auth-refresh');
      const held: Held = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
      const agent = httpAgent(pool);
      const tokenClient = axios.create({ httpAgent: agent });
      const instance = axios.create({ baseURL: emulation.apiOrigin, httpAgent: agent });
      instance.interceptors.request.use((config) => {
        config.headers.set('Authorization', `Bearer ${held.accessToken}`);
        return config;
      });
      createAuthRefresh(
        instance,
        async (failed: { response: { config: { headers: Record<string, string> } } }) => {
          const response = await tokenClient.post<TokenResponse>(
            emulation.tokenEndpoint,
            refreshForm(held.refreshToken),
            {
              headers: {
                authorization: basic(emulation),
                'content-type': 'application/x-www-form-urlencoded',
              },
            },
          );
          failed.response.config.headers.Authorization = `Bearer ${store(held, response.data)}`;
        },
        deduplicateRefresh ? {} : { deduplicateRefresh: false },
      );
      return { get: (url) => axiosGet(instance, url, context.onError), close: () => agent.destroy() };
    },
  };
}

const axiosJwt: LibrarySpec = {
  id: 'axios-jwt',
  label: 'axios-jwt',
  family: 'axios',
  kind: 'peer',
  packageName: 'axios-jwt',
  async create(context) {
    const { emulation, tokens, pool } = context;
    const axios = await axiosModule();
    const jwt = await import('axios-jwt');
    const agent = httpAgent(pool);
    const tokenClient = axios.create({ httpAgent: agent });
    const memory = new Map<string, string>();
    const storage = {
      get: async (key: string) => memory.get(key) ?? null,
      set: async (key: string, value: string) => void memory.set(key, value),
      remove: async (key: string) => void memory.delete(key),
    };
    const instance = axios.create({ baseURL: emulation.apiOrigin, httpAgent: agent });
    jwt.applyAuthTokenInterceptor(instance, {
      getStorage: () => storage,
      requestRefresh: async (refreshToken: string) => {
        const response = await tokenClient.post<TokenResponse>(
          emulation.tokenEndpoint,
          refreshForm(refreshToken),
          {
            headers: { authorization: basic(emulation), 'content-type': 'application/x-www-form-urlencoded' },
          },
        );
        return {
          accessToken: response.data.access_token,
          refreshToken: response.data.refresh_token ?? refreshToken,
        };
      },
    });
    await jwt.setAuthTokens({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
    return { get: (url) => axiosGet(instance, url, context.onError), close: () => agent.destroy() };
  },
};

const naiveAxios: LibrarySpec = {
  id: 'naive-axios',
  label: 'naive refresh-on-401 (axios)',
  family: 'axios',
  kind: 'peer',
  packageName: 'axios',
  async create(context) {
    const { emulation, tokens, pool } = context;
    const axios = await axiosModule();
    const held: Held = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    const agent = httpAgent(pool);
    const tokenClient = axios.create({ httpAgent: agent });
    const instance = axios.create({ baseURL: emulation.apiOrigin, httpAgent: agent });
    const retried = new WeakSet<object>();
    instance.interceptors.request.use((config) => {
      config.headers.set('Authorization', `Bearer ${held.accessToken}`);
      return config;
    });
    instance.interceptors.response.use(undefined, async (error: unknown) => {
      const { config, response } = error as { config?: object; response?: { status?: number } };
      if (response?.status !== 401 || config === undefined || retried.has(config)) throw error;
      retried.add(config);
      const refreshed = await tokenClient.post<TokenResponse>(
        emulation.tokenEndpoint,
        refreshForm(held.refreshToken),
        {
          headers: { authorization: basic(emulation), 'content-type': 'application/x-www-form-urlencoded' },
        },
      );
      store(held, refreshed.data);
      return instance.request(config);
    });
    return { get: (url) => axiosGet(instance, url, context.onError), close: () => agent.destroy() };
  },
};

const bareAxios: LibrarySpec = {
  id: 'bare-axios',
  label: 'bare axios',
  family: 'axios',
  kind: 'bare',
  packageName: 'axios',
  async create(context) {
    const { emulation, tokens, pool } = context;
    const axios = await axiosModule();
    const agent = httpAgent(pool);
    const instance = axios.create({
      baseURL: emulation.apiOrigin,
      httpAgent: agent,
      headers: { Authorization: `Bearer ${tokens.accessToken}` },
    });
    return { get: (url) => axiosGet(instance, url, context.onError), close: () => agent.destroy() };
  },
};

// ---- got ----

type Got = typeof import('got').default;

async function gotGet(client: Got, url: string, onError: LibraryContext['onError']): Promise<Outcome> {
  try {
    const response = await client.get(url, { responseType: 'json', retry: { limit: 0 } });
    return response.statusCode;
  } catch (error) {
    return statusOf(error, onError);
  }
}

const tokenrelayGot: LibrarySpec = {
  id: 'tokenrelay-got',
  label: 'tokenrelay got',
  family: 'got',
  kind: 'tokenrelay',
  packageName: '@tokenrelay/got',
  async create(context) {
    const { default: got } = await import('got');
    const { tokenRefresh } = await import('@tokenrelay/got');
    const manager = await managerFor(context);
    const agent = httpAgent(context.pool);
    const client = got.extend(
      { agent: { http: agent } },
      tokenRefresh(manager, { origins: context.emulation.apiOrigin }),
    ) as unknown as Got;
    return {
      get: (url) => gotGet(client, url, context.onError),
      close: () => {
        manager.dispose();
        agent.destroy();
      },
    };
  },
};

const gotRecipe: LibrarySpec = {
  id: 'got-recipe',
  label: "got's documented recipe",
  family: 'got',
  kind: 'peer',
  packageName: 'got',
  async create(context) {
    const { emulation, tokens, pool } = context;
    const { default: got } = await import('got');
    const held: Held = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    const agent = httpAgent(pool);
    const tokenClient = got.extend({ agent: { http: agent } });
    const instance: Got = got.extend({
      agent: { http: agent },
      headers: { authorization: `Bearer ${held.accessToken}` },
      mutableDefaults: true,
      hooks: {
        afterResponse: [
          async (response, retryWithMergedOptions) => {
            if (response.statusCode !== 401) return response;
            const body = await tokenClient
              .post(emulation.tokenEndpoint, {
                body: refreshForm(held.refreshToken),
                headers: {
                  authorization: basic(emulation),
                  'content-type': 'application/x-www-form-urlencoded',
                },
              })
              .json<TokenResponse>();
            const updated = { headers: { authorization: `Bearer ${store(held, body)}` } };
            instance.defaults.options.merge(updated);
            return retryWithMergedOptions(updated);
          },
        ],
      },
    });
    return { get: (url) => gotGet(instance, url, context.onError), close: () => agent.destroy() };
  },
};

const bareGot: LibrarySpec = {
  id: 'bare-got',
  label: 'bare got',
  family: 'got',
  kind: 'bare',
  packageName: 'got',
  async create(context) {
    const { tokens, pool } = context;
    const { default: got } = await import('got');
    const agent = httpAgent(pool);
    const client = got.extend({
      agent: { http: agent },
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    return { get: (url) => gotGet(client, url, context.onError), close: () => agent.destroy() };
  },
};

// ---- ky ----

type Ky = typeof import('ky').default;

async function kyGet(client: Ky, url: string, onError: LibraryContext['onError']): Promise<Outcome> {
  try {
    const response = await client.get(url);
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return statusOf(error, onError);
  }
}

const tokenrelayKy: LibrarySpec = {
  id: 'tokenrelay-ky',
  label: 'tokenrelay ky',
  family: 'ky',
  kind: 'tokenrelay',
  packageName: '@tokenrelay/ky',
  async create(context) {
    const { default: ky } = await import('ky');
    const { tokenRefresh } = await import('@tokenrelay/ky');
    const pooled = pooledFetch(context.pool);
    const manager = await managerFor(context, pooled.fetch);
    const client = ky
      .create({ fetch: pooled.fetch, retry: 0, timeout: false })
      .extend(tokenRefresh(manager, { origins: context.emulation.apiOrigin }));
    return {
      get: (url) => kyGet(client, url, context.onError),
      close: () => {
        manager.dispose();
        pooled.close();
      },
    };
  },
};

const kyRecipe: LibrarySpec = {
  id: 'ky-recipe',
  label: "ky's documented recipe",
  family: 'ky',
  kind: 'peer',
  packageName: 'ky',
  async create(context) {
    const { emulation, tokens, pool } = context;
    const { default: ky } = await import('ky');
    const held: Held = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
    const pooled = pooledFetch(pool);
    const tokenClient = ky.create({ fetch: pooled.fetch });
    const client = ky.create({
      fetch: pooled.fetch,
      timeout: false,
      hooks: {
        beforeRequest: [
          ({ request }) => {
            request.headers.set('authorization', `Bearer ${held.accessToken}`);
          },
        ],
        afterResponse: [
          async ({ request, response, retryCount }) => {
            if (response.status !== 401 || retryCount !== 0) return response;
            const body = await tokenClient
              .post(emulation.tokenEndpoint, {
                body: refreshForm(held.refreshToken),
                headers: {
                  authorization: basic(emulation),
                  'content-type': 'application/x-www-form-urlencoded',
                },
              })
              .json<TokenResponse>();
            const headers = new Headers(request.headers);
            headers.set('authorization', `Bearer ${store(held, body)}`);
            return ky.retry({ request: new Request(request, { headers }), code: 'TOKEN_REFRESHED' });
          },
        ],
      },
    });
    return { get: (url) => kyGet(client, url, context.onError), close: pooled.close };
  },
};

const bareKy: LibrarySpec = {
  id: 'bare-ky',
  label: 'bare ky',
  family: 'ky',
  kind: 'bare',
  packageName: 'ky',
  async create(context) {
    const { tokens, pool } = context;
    const { default: ky } = await import('ky');
    const pooled = pooledFetch(pool);
    const client = ky.create({
      fetch: pooled.fetch,
      retry: 0,
      timeout: false,
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    return { get: (url) => kyGet(client, url, context.onError), close: pooled.close };
  },
};

// ---- fetch ----

async function fetchGet(call: () => Promise<Response>, onError: LibraryContext['onError']): Promise<Outcome> {
  try {
    const response = await call();
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return statusOf(error, onError);
  }
}

const tokenrelayFetch: LibrarySpec = {
  id: 'tokenrelay-fetch',
  label: 'tokenrelay fetch',
  family: 'fetch',
  kind: 'tokenrelay',
  packageName: '@tokenrelay/fetch',
  async create(context) {
    const { withTokenRefresh } = await import('@tokenrelay/fetch');
    const pooled = pooledFetch(context.pool);
    const manager = await managerFor(context, pooled.fetch);
    const wrapped = withTokenRefresh(pooled.fetch, manager, { origins: context.emulation.apiOrigin });
    return {
      get: (url) => fetchGet(() => wrapped(url), context.onError),
      close: () => {
        manager.dispose();
        pooled.close();
      },
    };
  },
};

const bareFetch: LibrarySpec = {
  id: 'bare-fetch',
  label: 'bare fetch',
  family: 'fetch',
  kind: 'bare',
  packageName: 'undici',
  async create(context) {
    const { tokens, pool } = context;
    const pooled = pooledFetch(pool);
    const headers = { authorization: `Bearer ${tokens.accessToken}` };
    return {
      get: (url) => fetchGet(() => pooled.fetch(url, { headers }), context.onError),
      close: pooled.close,
    };
  },
};

// ---- floors (scale bench only) ----

/**
 * The floor's token source: the held token while the client believes it fresh; once it has expired, one token
 * call (started by the first request that finds it expired, with `fetchImpl` straight to the token endpoint, never
 * through the client under test), whose promise every request awaits until it settles. What any adapter that
 * makes N requests wait on one refresh must hold per request, at the least: the client's own request, one hook
 * call awaiting one shared promise.
 */
function floorToken(context: LibraryContext, fetchImpl: typeof fetch): () => string | Promise<string> {
  const { emulation, tokens } = context;
  const held: Held = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  let expiresAt = tokens.expiresAt;
  let pending: Promise<string> | undefined;
  const refresh = async (): Promise<string> => {
    const response = await fetchImpl(emulation.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: basic(emulation), 'content-type': 'application/x-www-form-urlencoded' },
      body: refreshForm(held.refreshToken),
    });
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    const body = (await response.json()) as TokenResponse & { expires_in?: number };
    expiresAt = Date.now() + (body.expires_in ?? 3600) * 1000;
    return store(held, body);
  };
  return () => {
    if (Date.now() < expiresAt) return held.accessToken;
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** axios with one async request interceptor awaiting the floor's token. */
const floorAxios: LibrarySpec = {
  id: 'floor-axios',
  label: 'floor axios',
  family: 'axios',
  kind: 'floor',
  packageName: 'axios',
  async create(context) {
    const axios = await axiosModule();
    const token = floorToken(context, fetch);
    const agent = httpAgent(context.pool);
    const instance = axios.create({ baseURL: context.emulation.apiOrigin, httpAgent: agent });
    instance.interceptors.request.use(async (config) => {
      config.headers.set('Authorization', `Bearer ${await token()}`);
      return config;
    });
    return { get: (url) => axiosGet(instance, url, context.onError), close: () => agent.destroy() };
  },
};

/** got with one async `beforeRequest` hook awaiting the floor's token. */
const floorGot: LibrarySpec = {
  id: 'floor-got',
  label: 'floor got',
  family: 'got',
  kind: 'floor',
  packageName: 'got',
  async create(context) {
    const { default: got } = await import('got');
    const token = floorToken(context, fetch);
    const agent = httpAgent(context.pool);
    const client = got.extend({
      agent: { http: agent },
      hooks: {
        beforeRequest: [
          async (options) => {
            options.headers.authorization = `Bearer ${await token()}`;
          },
        ],
      },
    });
    return { get: (url) => gotGet(client, url, context.onError), close: () => agent.destroy() };
  },
};

/**
 * ky with one async `beforeRequest` hook awaiting the floor's token; `complete`: also what ky charges for the rest
 * of what a complete adapter needs, none of it doing anything: an `init` hook (a call's own state, room for the
 * replay), a `beforeRetry` hook (a retry carries the current token), a `beforeError` hook (errors made safe to log)
 * and, while the request waits, a listener on its signal (a waiting request ends when its caller aborts).
 */
async function kyFloor(context: LibraryContext, complete: boolean): Promise<Library> {
  const { default: ky } = await import('ky');
  const pooled = pooledFetch(context.pool);
  const token = floorToken(context, pooled.fetch);
  const setToken: BeforeRequestHook = async ({ request }) => {
    request.headers.set('authorization', `Bearer ${await token()}`);
  };
  const ignoreAbort = (): void => {};
  const hooks: Hooks = complete
    ? {
        init: [() => {}],
        beforeRequest: [
          async (state) => {
            const { signal } = state.request;
            signal.addEventListener('abort', ignoreAbort, { once: true });
            try {
              await setToken(state);
            } finally {
              signal.removeEventListener('abort', ignoreAbort);
            }
          },
        ],
        beforeRetry: [() => {}],
        beforeError: [({ error }) => error],
      }
    : { beforeRequest: [setToken] };
  const client = ky.create({ fetch: pooled.fetch, retry: 0, timeout: false, hooks });
  return { get: (url) => kyGet(client, url, context.onError), close: pooled.close };
}

const floorKy: LibrarySpec = {
  id: 'floor-ky',
  label: 'floor ky',
  family: 'ky',
  kind: 'floor',
  packageName: 'ky',
  create: (context) => kyFloor(context, false),
};

/**
 * The floor plus ky's price for the hook types and the abort listener a complete adapter needs (`kyFloor`): ky
 * copies each hook list that is not empty for every call (when it merges the client's options with the call's,
 * and again in its constructor), and holds both copies while the call waits.
 */
const floorKyComplete: LibrarySpec = {
  id: 'floor-ky-complete',
  label: 'floor ky + hooks, abort listener',
  family: 'ky',
  kind: 'reference',
  packageName: 'ky',
  create: (context) => kyFloor(context, true),
};

/** fetch behind an async wrapper awaiting the floor's token. */
const floorFetch: LibrarySpec = {
  id: 'floor-fetch',
  label: 'floor fetch',
  family: 'fetch',
  kind: 'floor',
  packageName: 'undici',
  async create(context) {
    const pooled = pooledFetch(context.pool);
    const token = floorToken(context, pooled.fetch);
    const call = async (url: string): Promise<Response> =>
      pooled.fetch(url, { headers: { authorization: `Bearer ${await token()}` } });
    return { get: (url) => fetchGet(() => call(url), context.onError), close: pooled.close };
  },
};

/**
 * The scale bench's floors, one per client, in the order of the tokenrelay adapters. Not in `LIBRARIES`: they do
 * not handle 401s, revocation or other origins, so the peer scenarios would only show that.
 */
export const SCALE_FLOORS: readonly LibrarySpec[] = [floorAxios, floorGot, floorKy, floorFetch];

export const LIBRARIES: readonly LibrarySpec[] = [
  tokenrelayAxios,
  tokenrelayGot,
  tokenrelayKy,
  tokenrelayFetch,
  axiosAuthRefresh(true),
  axiosAuthRefresh(false),
  axiosJwt,
  gotRecipe,
  kyRecipe,
  naiveAxios,
  bareAxios,
  bareGot,
  bareKy,
  bareFetch,
];

/** Scale measurements to read beside the floors, picked by id (`BENCH_SCALE_LIBRARIES`); not in the default run. */
export const SCALE_REFERENCES: readonly LibrarySpec[] = [floorKyComplete];

export const libraryById = (id: string): LibrarySpec => {
  const spec = [...LIBRARIES, ...SCALE_FLOORS, ...SCALE_REFERENCES].find((library) => library.id === id);
  if (spec === undefined) throw new RangeError(`unknown library ${id}`);
  return spec;
};
