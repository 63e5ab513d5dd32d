import { Readable } from 'node:stream';
import { attachTokenRefresh } from '@tokenrelay/axios';
import {
  createTokenManager,
  isTokenRelayError,
  NotReplayableError,
  ReauthRequiredError,
} from '@tokenrelay/core';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { describe, expect, it } from 'vitest';
import { axiosVersions } from './axios-versions.ts';
import { useWorld } from './setup.ts';

describe.each(axiosVersions)('$name: replay after a 401', ({ axios }) => {
  const world = useWorld();
  const setup = (expired = true) => {
    const { emu, manager } = world({ expired });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, manager);
    return { emu, manager, instance };
  };
  const statusesOf = (emu: ReturnType<typeof setup>['emu'], path: string): number[] =>
    emu.counters
      .requestsSeenBy(emu.apiOrigin)
      .filter((r) => r.path === path)
      .map((r) => r.status);

  it('a request to the same URL after a refresh is replayed for the token it carried, expiry after expiry', async () => {
    const { emu, instance } = setup();
    for (let expiry = 1; expiry <= 3; expiry += 1) {
      const response = await instance.get<ApiEcho>('/same');
      expect(response.status).toBe(200);
      expect(emu.counters.tokenCalls).toBe(expiry);
      emu.expireAccessTokens();
    }
    expect(statusesOf(emu, '/same')).toEqual([401, 200, 401, 200, 401, 200]);
  });

  it('an interceptor that runs after ours and replaces beforeRedirect (where the mark rides) does not stop the replay', async () => {
    const { emu, manager } = world({ expired: true });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    // Added before attachTokenRefresh: it runs after ours.
    instance.interceptors.request.use((config) => ({ ...config, beforeRedirect: () => {} }));
    attachTokenRefresh(instance, manager);
    const response = await instance.get<ApiEcho>('/replaced-hook');
    expect(response.status).toBe(200);
    expect(emu.counters.tokenCalls).toBe(1);
    expect(statusesOf(emu, '/replaced-hook')).toEqual([401, 200]);
  });

  it("re-sends the body as it went out: the caller's transformRequest is not applied twice", async () => {
    const { emu, instance } = setup();
    const response = await instance.post<ApiEcho>(
      '/wrapped',
      { a: 1 },
      {
        transformRequest: [
          (data: unknown, headers) => {
            headers.set('Content-Type', 'application/vnd.wrapped+json');
            return JSON.stringify({ wrapped: data });
          },
        ],
      },
    );
    expect(response.data.body).toEqual({ wrapped: { a: 1 } });
    expect(response.data.contentType).toBe('application/vnd.wrapped+json');
    expect(statusesOf(emu, '/wrapped')).toEqual([401, 200]);
  });

  it('form, bytes and text bodies keep their content type', async () => {
    const { instance } = setup();
    const form = await instance.post<ApiEcho>('/form', new URLSearchParams({ q: 'a b', n: '1' }));
    expect(form.data.body).toBe('q=a+b&n=1');
    expect(form.data.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    const bytes = await instance.put<ApiEcho>('/bytes', Buffer.from('raw bytes'), {
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    expect(bytes.data.body).toBe('raw bytes');
    expect(bytes.data.contentType).toBe('application/octet-stream');
    const text = await instance.patch<ApiEcho>('/text', 'plain text', {
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(text.data.body).toBe('plain text');
    expect(text.data.contentType).toBe('text/plain');
  });

  it('a stream body cannot be sent again: the 401 comes back with a NotReplayableError cause', async () => {
    const { emu, instance } = setup();
    const error = await instance
      .post('/upload', Readable.from(['chunk-1', 'chunk-2']), { headers: { 'Content-Type': 'text/plain' } })
      .catch((e: unknown) => e);
    expect(axios.isAxiosError(error) && error.response?.status).toBe(401);
    expect((error as Error).cause).toBeInstanceOf(NotReplayableError);
    // The token was refreshed for the requests that follow.
    expect(emu.counters.tokenCalls).toBe(1);
    expect((await instance.get<ApiEcho>('/next')).data.tokenSerial).toBe(2);
  });

  it('a 401 that validateStatus lets through is replayed too', async () => {
    const { emu, instance } = setup();
    const response = await instance.get<ApiEcho>('/lenient', { validateStatus: () => true });
    expect(response.status).toBe(200);
    expect(response.data.tokenSerial).toBe(2);
    expect(statusesOf(emu, '/lenient')).toEqual([401, 200]);
  });

  it('403 insufficient_scope is returned as it is, without a refresh; shouldRefresh can widen the rule', async () => {
    const { emu, manager, instance } = setup(false);
    const forbidden = await instance.get('/forbidden', { validateStatus: () => true });
    expect(forbidden.status).toBe(403);
    expect(emu.counters.tokenCalls).toBe(0);
    const widened = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(widened, manager, { shouldRefresh: ({ status }) => status === 401 || status === 419 });
    const session = await widened.get('/status/419', { validateStatus: () => true });
    expect(session.status).toBe(419);
    expect(statusesOf(emu, '/status/419')).toEqual([419, 419]);
    expect(emu.counters.tokenCalls).toBe(1);
  });

  it('a token error rejects the request as itself, cause kept', async () => {
    const { emu, manager, instance } = setup();
    emu.revokeGrant();
    const error = await instance.get('/revoked').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthRequiredError);
    expect(axios.isAxiosError(error)).toBe(false);
    expect(isTokenRelayError((error as Error).cause, 'TOKEN_ENDPOINT')).toBe(true);
    // Later requests get the very same error, at once.
    expect(await instance.get('/again').catch((e: unknown) => e)).toBe(error);
    expect(manager.state).toBe('reauth-required');
  });

  it('a retry interceptor that re-sends error.config (as axios-retry does) gets a fresh token, one refresh', async () => {
    const { emu, instance } = setup();
    const attempts = new Map<string, number>();
    instance.interceptors.response.use(undefined, (error: unknown) => {
      if (!axios.isAxiosError(error) || error.response?.status !== 503 || !error.config) throw error;
      const key = String(error.config.url);
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      if (attempt > 3) throw error;
      return instance.request(error.config);
    });
    emu.faults.unavailableRemaining = 20;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => instance.get<ApiEcho>(`/unavailable?i=${i}`)),
    );
    expect(responses.map((r) => r.data.tokenSerial)).toEqual(Array.from({ length: 10 }, () => 2));
    expect(emu.counters.tokenCalls).toBe(1);
    expect(emu.counters.requestLog.filter((r) => r.status === 503)).toHaveLength(20);
  });

  it('a manager that cannot get a token fails the request with a tokenrelay error; nothing is sent', async () => {
    const { emu } = world();
    const empty = createTokenManager({
      refresh: () => Promise.reject(new Error('no grant')),
      retry: { attempts: 1 },
    });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, empty);
    const error = await instance.get('/x').catch((e: unknown) => e);
    expect(isTokenRelayError(error, 'REFRESH_FAILED')).toBe(true);
    expect(emu.counters.apiRequests).toBe(0);
    empty.dispose();
  });
});
