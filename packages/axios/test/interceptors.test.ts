import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager } from '@tokenrelay/core';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { describe, expect, it } from 'vitest';
import { axiosVersions } from './axios-versions.ts';
import { useWorld } from './setup.ts';

describe.each(axiosVersions)('$name: an instance with interceptors of its own', ({ axios }) => {
  const world = useWorld();

  it('runs them all, in a sensible order, and a replayed response passes theirs once', async () => {
    const { emu, manager } = world({ expired: true });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    const trail: string[] = [];
    instance.interceptors.request.use((config) => {
      trail.push(
        `theirs (before): ${config.headers.get('Authorization') === undefined ? 'no token' : 'token'}`,
      );
      config.headers.set('X-Trace', 'trace-1');
      return config;
    });
    instance.interceptors.response.use(
      (response) => {
        trail.push(`theirs: ${response.status}`);
        return response;
      },
      (error: unknown) => {
        trail.push(`theirs: ${axios.isAxiosError(error) ? error.response?.status : 'error'}`);
        return Promise.reject(error);
      },
    );
    attachTokenRefresh(instance, manager);
    instance.interceptors.request.use((config) => {
      trail.push('theirs (after)');
      return config;
    });

    const response = await instance.get<ApiEcho>('/items');
    expect(response.status).toBe(200);
    expect(response.data.headers['x-trace']).toBe('trace-1');
    expect(response.data.tokenSerial).toBe(2);
    expect(trail).toEqual([
      // first pass: added-after runs first, then ours (the token), then theirs added before sees it
      'theirs (after)',
      'theirs (before): token',
      'theirs: 401',
      // the replay: all request interceptors again, then their response interceptor once with the 200
      'theirs (after)',
      'theirs (before): token',
      'theirs: 200',
    ]);
  });

  it('a response interceptor that unwraps data is not applied twice to a replayed response', async () => {
    const { emu, manager } = world({ expired: true });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    instance.interceptors.response.use((response) => ({ ...response, data: { unwrapped: response.data } }));
    attachTokenRefresh(instance, manager);
    const response = await instance.get('/items');
    expect(response.data).toMatchObject({ unwrapped: { ok: true, path: '/items' } });
    expect(response.data.unwrapped).not.toHaveProperty('unwrapped');
  });

  it('sees the URL set by request interceptors that run before it (added after attach)', async () => {
    const { emu, manager } = world();
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, manager);
    instance.interceptors.request.use((config) => ({ ...config, baseURL: emu.otherOrigin }));
    const response = await instance.get<ApiEcho>('/moved');
    expect(response.data.origin).toBe(emu.otherOrigin);
    expect(response.data.sawAuthorization).toBe(false);
  });

  it('detach ejects both interceptors and leaves theirs in place', async () => {
    const { emu, manager } = world();
    const instance = axios.create({ baseURL: emu.apiOrigin });
    let theirs = 0;
    instance.interceptors.request.use((config) => {
      theirs += 1;
      return config;
    });
    const detach = attachTokenRefresh(instance, manager);
    expect((await instance.get('/with')).status).toBe(200);
    detach();
    detach(); // harmless twice
    const after = await instance.get('/without', { validateStatus: () => true });
    expect(after.status).toBe(401);
    expect(theirs).toBe(2);
    expect(emu.counters.tokenCalls).toBe(0);
    const seen = emu.counters.requestsSeenBy(emu.apiOrigin);
    expect(seen.map((r) => [r.path, r.authorization === undefined])).toEqual([
      ['/with', false],
      ['/without', true],
    ]);
  });

  it('two attachments with their own managers and origins do not touch each other', async () => {
    const { emu, manager } = world({ expired: true });
    const otherManager = createTokenManager({
      tokens: { accessToken: 'other-api-token' },
      refresh: () => Promise.reject(new Error('not expected to refresh')),
    });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, manager);
    attachTokenRefresh(instance, otherManager, { origins: emu.otherOrigin, headerName: 'X-Other-Token' });
    const api = await instance.get<ApiEcho>('/api');
    expect(api.data.tokenSerial).toBe(2);
    expect(api.data.headers).not.toHaveProperty('x-other-token');
    const elsewhere = await instance.get<ApiEcho>(`${emu.otherOrigin}/there`);
    expect(elsewhere.data.sawAuthorization).toBe(false);
    expect(elsewhere.data.headers['x-other-token']).toBe('Bearer other-api-token');
    expect(emu.counters.tokenCalls).toBe(1);
    otherManager.dispose();
  });
});
