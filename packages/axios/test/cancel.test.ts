/** Cancelling a request that waits for a refresh: it leaves the queue at once and rejects as axios cancels. */
import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, type RefreshFunction } from '@tokenrelay/core';
import { describe, expect, it } from 'vitest';
import { axiosVersions } from './axios-versions.ts';
import { useWorld } from './setup.ts';

/** A refresh that never finishes until the manager gives it up. */
const held: RefreshFunction = ({ signal }) =>
  new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.each(axiosVersions)('$name: cancelling a waiting request', ({ axios }) => {
  const world = useWorld();

  const setup = (expiredOnServerOnly: boolean) => {
    const { emu } = world();
    const tokens = emu.tokenSet();
    if (expiredOnServerOnly) emu.expireAccessTokens();
    const manager = createTokenManager({
      tokens: expiredOnServerOnly
        ? tokens
        : { ...tokens, issuedAt: Date.now() - 120_000, expiresAt: Date.now() - 1 },
      refresh: held,
    });
    const instance = axios.create({ baseURL: emu.apiOrigin });
    attachTokenRefresh(instance, manager);
    return { emu, manager, instance };
  };

  it('an AbortSignal while waiting for the token', async () => {
    const { emu, manager, instance } = setup(false);
    const controller = new AbortController();
    const request = instance.get('/a', { signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => manager.waiting).toBe(1);
    controller.abort();
    expect(manager.waiting).toBe(0);
    expect(axios.isCancel(await request)).toBe(true);
    expect(emu.counters.apiRequests).toBe(0);
    manager.dispose();
  });

  it('a CancelToken while waiting for the token', async () => {
    const { emu, manager, instance } = setup(false);
    const source = axios.CancelToken.source();
    const request = instance.get('/b', { cancelToken: source.token }).catch((e: unknown) => e);
    await expect.poll(() => manager.waiting).toBe(1);
    source.cancel('no longer needed');
    await flush();
    expect(manager.waiting).toBe(0);
    expect(axios.isCancel(await request)).toBe(true);
    expect(emu.counters.apiRequests).toBe(0);
    manager.dispose();
  });

  it('an AbortSignal while waiting for the refresh after a 401: no replay is sent', async () => {
    const { emu, manager, instance } = setup(true);
    const controller = new AbortController();
    const request = instance.get('/c', { signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => manager.waiting).toBe(1);
    controller.abort();
    expect(manager.waiting).toBe(0);
    expect(axios.isCancel(await request)).toBe(true);
    expect(emu.counters.requestsSeenBy(emu.apiOrigin).map((r) => r.status)).toEqual([401]);
    manager.dispose();
  });
});
