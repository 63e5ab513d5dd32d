/** A refresh function that calls the token endpoint through the very instance it refreshes for. */
import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, isTokenRelayError, type RefreshFunction } from '@tokenrelay/core';
import type { ApiEcho } from '@tokenrelay/test-utils';
import type { AxiosInstance } from 'axios';
import { describe, expect, it } from 'vitest';
import { axiosVersions } from './axios-versions.ts';
import { useWorld } from './setup.ts';

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
}

describe.each(axiosVersions)('$name: refreshing through the same instance', ({ axios }) => {
  const world = useWorld();

  const refreshThrough =
    (
      instance: () => AxiosInstance,
      optOut: boolean,
      endpoint: { url: string; id: string; secret: string },
    ): RefreshFunction =>
    async ({ refreshToken, signal }) => {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken ?? '' });
      const response = await instance().post<TokenResponse>(endpoint.url, form, {
        auth: { username: endpoint.id, password: endpoint.secret },
        signal,
        ...(optOut ? { tokenRelay: false as const } : {}),
      });
      return {
        accessToken: response.data.access_token,
        refreshToken: response.data.refresh_token,
        expiresIn: response.data.expires_in,
      };
    };

  const setup = (optOut: boolean) => {
    const { emu } = world();
    const endpoint = { url: emu.tokenEndpoint, id: emu.clientId, secret: emu.clientSecret };
    const instance = axios.create({ baseURL: emu.apiOrigin });
    const manager = createTokenManager({
      tokens: emu.tokenSet(),
      refresh: refreshThrough(() => instance, optOut, endpoint),
      queue: { waitTimeoutMs: 300 },
    });
    // The token endpoint's origin is allowed on purpose: only the opt-out keeps the refresh call apart.
    attachTokenRefresh(instance, manager, { origins: [emu.apiOrigin, emu.authOrigin] });
    emu.expireAccessTokens();
    return { emu, instance, manager };
  };

  it('works with `tokenRelay: false` on the token call', async () => {
    const { emu, instance, manager } = setup(true);
    try {
      const response = await instance.get<ApiEcho>('/after-refresh');
      expect(response.status).toBe(200);
      // Serial 1 went to the world's own manager, 2 to this one at login; 3 is the refreshed token.
      expect(response.data.tokenSerial).toBe(3);
      expect(emu.counters.tokenCalls).toBe(1);
      expect(emu.counters.bearerAtTokenEndpoint).toBe(0);
    } finally {
      manager.dispose();
    }
  });

  it('without the flag it fails with a tokenrelay error within the wait timeout, never hangs', async () => {
    const { emu, instance, manager } = setup(false);
    try {
      const started = Date.now();
      const error = await instance.get('/deadlock').catch((e: unknown) => e);
      expect(isTokenRelayError(error, 'WAIT_TIMEOUT')).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
      // The refresh call waited for itself and never reached the token endpoint with a bearer token.
      expect(emu.counters.bearerAtTokenEndpoint).toBe(0);
    } finally {
      manager.dispose();
    }
  });
});
