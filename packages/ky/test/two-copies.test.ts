/**
 * Two copies of ky in one program: the app's client is ky 2.0.0 (`ky-2-oldest`), while @tokenrelay/ky imports the
 * other (`ky`, 2.1.0), as with two installs, a second version or a bundler alias. ky recognises a forced-retry
 * marker only from its own copy, so the replay cannot happen; it must not pass silently (a 401 returned as if no
 * token could fix it): the request fails with a typed ConfigurationError that says why.
 */
import { ConfigurationError, isTokenRelayError } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/ky';
import ky from 'ky';
import appKy from 'ky-2-oldest';
import { describe, expect, it } from 'vitest';
import { rejectionOf, useHarness } from './suites/harness.ts';

const h = useHarness();

describe('the app’s ky is another copy than the adapter’s', () => {
  it('the premise: two distinct copies', () => {
    expect(appKy).not.toBe(ky);
  });

  for (const throwHttpErrors of [true, false]) {
    it(`a 401 that needs a replay fails loudly with a typed error (throwHttpErrors: ${throwHttpErrors})`, async () => {
      const { emu } = h;
      // Each copy declares its own option types; the cast is the type-level face of the two copies.
      const extension = tokenRefresh(h.manager()) as unknown as Parameters<typeof appKy.extend>[0];
      const api = appKy.create({ baseUrl: emu.apiOrigin, throwHttpErrors }).extend(extension);
      // A fresh token works as usual: no replay needed.
      expect((await api.get('fine')).status).toBe(200);
      emu.expireAccessTokens();
      const error = await rejectionOf(api.get('needs-replay'));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(isTokenRelayError(error, 'CONFIGURATION')).toBe(true);
      expect((error as Error).message).toMatch(/another copy/);
      // The token was refreshed once; the API saw the first request and the 401, no replay.
      expect(emu.counters.successfulRefreshes).toBe(1);
      expect(h.apiStatuses()).toEqual([200, 401]);
    });
  }

  it('the other copy’s retries do not hide it, even with a shouldRetry that retries everything', async () => {
    const { emu } = h;
    const extension = tokenRefresh(h.manager()) as unknown as Parameters<typeof appKy.extend>[0];
    const api = appKy
      .create({ baseUrl: emu.apiOrigin, retry: { limit: 2, delay: () => 0, shouldRetry: () => true } })
      .extend(extension);
    emu.expireAccessTokens();
    const error = await rejectionOf(api.get('needs-replay'));
    expect(isTokenRelayError(error, 'CONFIGURATION')).toBe(true);
    expect((error as Error).message).toMatch(/another copy/);
    expect(h.apiStatuses()).toEqual([401]);
  });
});
