/**
 * Redirects against real servers on 127.0.0.1. `api.localhost` and `evil.api.localhost` are two hosts on one
 * listener (axios's `lookup` sends both to 127.0.0.1): follow-redirects keeps `Authorization` for a subdomain, and
 * keeps a custom header on any redirect, so these are the cases the adapter has to handle itself.
 */
import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, type TokenManager } from '@tokenrelay/core';
import { type LoopbackListener, listenLoopback } from '@tokenrelay/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axiosVersions } from './axios-versions.ts';

interface Seen {
  readonly host: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly apiKey: string | null;
}

const TOKEN = 'redirect-test-token-0123456789';
const toLoopback = (_host: string, _options: object, callback: (e: null, a: string, f: 4) => void): void =>
  callback(null, '127.0.0.1', 4);

describe.each(axiosVersions)('$name: redirects never carry the token to another origin', ({ axios }) => {
  const seen: Seen[] = [];
  const listeners: LoopbackListener[] = [];
  let api = '';
  let sub = '';
  let other = '';
  let manager: TokenManager | undefined;

  beforeAll(async () => {
    const serve = async (request: Request): Promise<Response> => {
      const url = new URL(request.url);
      seen.push({
        host: request.headers.get('host') ?? '',
        path: url.pathname,
        authorization: request.headers.get('authorization'),
        apiKey: request.headers.get('x-api-key'),
      });
      const to = url.searchParams.get('to');
      if (url.pathname === '/redirect' && to)
        return new Response(null, { status: 302, headers: { location: to } });
      return Response.json({ ok: true });
    };
    const first = await listenLoopback(serve);
    const second = await listenLoopback(serve);
    listeners.push(first, second);
    const port = new URL(first.origin).port;
    api = `http://api.localhost:${port}`;
    sub = `http://evil.api.localhost:${port}`;
    other = second.origin;
  });
  afterEach(() => {
    seen.length = 0;
    manager?.dispose();
  });
  afterAll(async () => {
    await Promise.all(listeners.map((listener) => listener.close()));
  });

  const client = (
    options?: Parameters<typeof attachTokenRefresh>[2],
    before?: (instance: ReturnType<typeof axios.create>) => void,
  ) => {
    manager = createTokenManager({
      tokens: { accessToken: TOKEN },
      refresh: () => Promise.reject(new Error('not expected to refresh')),
    });
    const instance = axios.create({ baseURL: api, lookup: toLoopback });
    before?.(instance);
    attachTokenRefresh(instance, manager, options);
    return instance;
  };
  const landing = (host: string): Seen | undefined =>
    seen.find((r) => r.host === host && r.path === '/landing');
  const hostOf = (origin: string): string => new URL(origin).host;

  it('a 302 to another port: the other server sees no Authorization', async () => {
    const response = await client().get('/redirect', { params: { to: `${other}/landing` } });
    expect(response.status).toBe(200);
    expect(seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(landing(hostOf(other))).toMatchObject({ authorization: null });
  });

  it('a 302 to a subdomain: the subdomain sees no Authorization', async () => {
    const response = await client().get('/redirect', { params: { to: `${sub}/landing` } });
    expect(response.status).toBe(200);
    expect(seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(landing(hostOf(sub))).toMatchObject({ authorization: null });
  });

  it('a custom header name is removed on a redirect to another origin', async () => {
    const instance = client({ headerName: 'X-Api-Key' });
    await instance.get('/redirect', { params: { to: `${other}/landing` } });
    await instance.get('/redirect', { params: { to: `${sub}/landing` } });
    expect(seen.filter((r) => r.path === '/redirect').map((r) => r.apiKey)).toEqual([
      `Bearer ${TOKEN}`,
      `Bearer ${TOKEN}`,
    ]);
    expect(landing(hostOf(other))?.apiKey).toBeNull();
    expect(landing(hostOf(sub))?.apiKey).toBeNull();
  });

  it('a redirect within the origin keeps the token', async () => {
    await client({ headerName: 'X-Api-Key' }).get('/redirect', { params: { to: '/landing' } });
    expect(landing(hostOf(api))?.apiKey).toBe(`Bearer ${TOKEN}`);
  });

  it("the caller's own beforeRedirect still runs", async () => {
    const hops: string[] = [];
    const instance = client();
    instance.defaults.beforeRedirect = (options) => {
      hops.push(String(options.href));
    };
    await instance.get('/redirect', { params: { to: `${sub}/landing` } });
    await instance.get('/redirect', { params: { to: `${other}/landing` } });
    expect(hops).toEqual([`${sub}/landing`, `${other}/landing`]);
    expect(landing(hostOf(sub))?.authorization).toBeNull();
    expect(landing(hostOf(other))?.authorization).toBeNull();
  });
  it('concurrent redirect chains keep their own hops: a same-origin hop keeps the token beside chains that left', async () => {
    const instance = client();
    const back = `${other}/redirect?to=${encodeURIComponent(`${api}/landing-back`)}`;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? instance.get('/redirect', { params: { to: '/landing-same' } })
          : instance.get('/redirect', { params: { to: back } }),
      ),
    );
    const same = seen.filter((r) => r.path === '/landing-same');
    const returned = seen.filter((r) => r.path === '/landing-back');
    const away = seen.filter((r) => r.host === hostOf(other));
    expect(same).toHaveLength(5);
    for (const request of same) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    expect(away).toHaveLength(5);
    for (const request of [...away, ...returned]) expect(request.authorization).toBeNull();
    expect(returned).toHaveLength(5);
  });

  // Interceptors added before attachTokenRefresh run after ours (axios runs the last added first): they see the
  // guard on `beforeRedirect` and may replace it. With a custom header name nothing else removes it on a redirect.
  it.each([
    [
      'replaces beforeRedirect on the config',
      (hop: () => void) => (config: object) => Object.assign(config, { beforeRedirect: hop }),
    ],
    [
      'returns a new config with its own beforeRedirect',
      (hop: () => void) => (config: object) => ({ ...config, beforeRedirect: hop }),
    ],
    [
      'removes beforeRedirect',
      () => (config: object) => Object.assign(config, { beforeRedirect: undefined }),
    ],
  ])(
    'an interceptor that runs after ours and %s: the token header still stays home, its hook still runs',
    async (_what, interceptor) => {
      const hops: string[] = [];
      const instance = client({ headerName: 'X-Api-Key' }, (it) => {
        it.interceptors.request.use(interceptor(() => hops.push('hop')) as never);
      });
      await instance.get('/redirect', { params: { to: `${other}/landing` } });
      await instance.get('/redirect', { params: { to: `${sub}/landing` } });
      await instance.get('/redirect', { params: { to: '/landing' } });
      expect(seen.filter((r) => r.path === '/redirect').map((r) => r.apiKey)).toEqual(
        Array.from({ length: 3 }, () => `Bearer ${TOKEN}`),
      );
      expect(landing(hostOf(other))?.apiKey).toBeNull();
      expect(landing(hostOf(sub))?.apiKey).toBeNull();
      expect(landing(hostOf(api))?.apiKey).toBe(`Bearer ${TOKEN}`);
      if (_what !== 'removes beforeRedirect') expect(hops).toEqual(['hop', 'hop', 'hop']);
    },
  );
});
