import { attachTokenRefresh } from '@tokenrelay/axios';
import { ConfigurationError, createTokenManager } from '@tokenrelay/core';
import type { ApiEcho } from '@tokenrelay/test-utils';
import { describe, expect, it } from 'vitest';
import { axiosVersions } from './axios-versions.ts';
import { useWorld } from './setup.ts';

describe.each(axiosVersions)('$name: which requests get the token', ({ axios }) => {
  const world = useWorld();

  it('without baseURL and origins, attaching fails with a ConfigurationError', () => {
    const { manager } = world();
    const attach = (): unknown => attachTokenRefresh(axios.create(), manager);
    expect(attach).toThrow(ConfigurationError);
    // A relative baseURL names no origin outside a browser either.
    expect(() => attachTokenRefresh(axios.create({ baseURL: '/api' }), manager)).toThrow(ConfigurationError);
  });

  it("defaults to the baseURL's origin: its paths get the token, other origins do not", async () => {
    const { emu, manager } = world();
    const instance = axios.create({ baseURL: `${emu.apiOrigin}/v1/` });
    attachTokenRefresh(instance, manager);
    const relative = await instance.get<ApiEcho>('items');
    expect(relative.data.path).toBe('/v1/items');
    const sameOriginOtherPath = await instance.get<ApiEcho>(`${emu.apiOrigin}/v2/items`);
    const other = await instance.get<ApiEcho>(`${emu.otherOrigin}/items`);
    expect(other.data.sawAuthorization).toBe(false);
    const seen = emu.counters.requestsSeenBy(emu.apiOrigin);
    expect(seen.map((r) => r.path)).toEqual(['/v1/items', '/v2/items']);
    for (const record of seen) expect(record.authorization).toMatch(/^Bearer /);
    expect(sameOriginOtherPath.status).toBe(200);
  });

  it('`origins` replaces the default; "*" sends the token everywhere only when said', async () => {
    const { emu, manager } = world();
    const onlyOther = axios.create({ baseURL: emu.apiOrigin });
    const detach = attachTokenRefresh(onlyOther, manager, { origins: [emu.otherOrigin] });
    expect((await onlyOther.get('/mine', { validateStatus: () => true })).status).toBe(401);
    expect((await onlyOther.get<ApiEcho>(`${emu.otherOrigin}/x`)).data.sawAuthorization).toBe(true);
    detach();
    const everywhere = axios.create();
    attachTokenRefresh(everywhere, manager, { origins: '*' });
    expect((await everywhere.get<ApiEcho>(`${emu.otherOrigin}/y`)).data.sawAuthorization).toBe(true);
    expect((await everywhere.get<ApiEcho>(`${emu.apiOrigin}/z`)).status).toBe(200);
  });

  it('decides on the URL axios really requests (allowAbsoluteUrls where axios has it)', async () => {
    const { emu, manager } = world();
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, manager);
    // axios 1.8+ joins an absolute url to baseURL with allowAbsoluteUrls: false; 1.7 ignores the option.
    const response = await instance.get<ApiEcho>(`${emu.otherOrigin}/absolute`, { allowAbsoluteUrls: false });
    const wentToApi = response.data.origin === emu.apiOrigin;
    expect(wentToApi ? response.data.tokenSerial : response.data.sawAuthorization).toBe(
      wentToApi ? 1 : false,
    );
    expect(wentToApi).toBe(Number(axios.VERSION.split('.')[1]) >= 8);
  });

  it('`tokenRelay: false` sends no token and never refreshes', async () => {
    const { emu, manager } = world({ expired: true });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, manager);
    const response = await instance.get('/public', { tokenRelay: false, validateStatus: () => true });
    expect(response.status).toBe(401);
    expect(emu.counters.requestsSeenBy(emu.apiOrigin)[0]?.authorization).toBeUndefined();
    expect(emu.counters.tokenCalls).toBe(0);
  });

  it('headerName and scheme', async () => {
    const { emu } = world();
    const manager = createTokenManager({
      tokens: { accessToken: 'abc123', tokenType: 'bearer' },
      refresh: () => Promise.reject(new Error('not expected')),
    });
    const instance = axios.create({ baseURL: emu.otherOrigin });
    attachTokenRefresh(instance, manager, { headerName: 'X-Api-Key', scheme: 'Token' });
    const response = await instance.get<ApiEcho>('/keyed');
    expect(response.data.headers['x-api-key']).toBe('Token abc123');
    expect(response.data.sawAuthorization).toBe(false);
    manager.dispose();
  });
});
