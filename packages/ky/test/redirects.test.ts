/**
 * Redirects are followed by fetch itself, where no ky hook runs: the token must not follow a redirect to another
 * origin. Real loopback servers (no msw), so this is undici's own redirect handling: the API origin redirects to a
 * second origin that records the Authorization header it saw.
 */
import { tokenRefresh } from '@tokenrelay/ky';
import type { ApiEcho, ListeningOAuthServer } from '@tokenrelay/test-utils';
import { createManagerFixture as createFixture } from '@tokenrelay/test-utils';
import ky, { type KyInstance } from 'ky';
import kyOldest from 'ky-2-oldest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kyVersion } from './ky-versions.ts';

const fx = createFixture();
const { emu } = fx;
let live: ListeningOAuthServer;
beforeAll(async () => {
  live = await emu.listen();
});
afterEach(() => {
  fx.disposeAll();
  emu.reset();
});
afterAll(async () => {
  await live.close();
});

const versions = [kyVersion('ky', ky), kyVersion('ky-2-oldest', kyOldest as unknown as KyInstance)];

describe.each(versions)('$name: redirects', ({ ky: client }) => {
  const authorizationsSeenBy = (origin: string): Array<string | undefined> =>
    emu.counters.requestLog.filter((r) => r.origin === origin).map((r) => r.authorization);

  it.each([301, 302, 303, 307, 308])(
    'a %i to another origin arrives there without the token',
    async (status) => {
      const manager = fx.manager();
      const { token } = await manager.getAccessToken();
      const api = client.create({ baseUrl: live.apiOrigin }).extend(tokenRefresh(manager));
      const response = await api.get(`redirect/${status}/landing?from=api`);
      const body = (await response.json()) as ApiEcho;
      expect(response.redirected).toBe(true);
      expect(body).toMatchObject({
        origin: live.otherOrigin,
        path: '/landing?from=api',
        sawAuthorization: false,
      });
      expect(authorizationsSeenBy(live.apiOrigin)).toEqual([`Bearer ${token}`]);
      expect(authorizationsSeenBy(live.otherOrigin)).toEqual([undefined]);
    },
  );

  it('a 307 after a POST resends the body to the other origin, still without the token', async () => {
    const api = client.create({ baseUrl: live.apiOrigin }).extend(tokenRefresh(fx.manager()));
    const body = await api.post('redirect/307/landing', { json: { a: 1 } }).json<ApiEcho>();
    expect(body).toMatchObject({ method: 'POST', body: { a: 1 }, sawAuthorization: false });
    expect(authorizationsSeenBy(live.otherOrigin)).toEqual([undefined]);
  });
});
