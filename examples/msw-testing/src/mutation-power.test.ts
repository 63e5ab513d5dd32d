import { createOAuthServer } from '@tokenrelay/msw';
import '@tokenrelay/msw/vitest';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient as axiosApp } from './axios-app.ts';
import type { AuthConfig, Session } from './config.ts';
import { createShopClient as fetchApp } from './fetch-app.ts';
import { nightlyReport } from './got-script.ts';
import { createShopClient as kyApp } from './ky-app.ts';
import { createNaiveShopClient } from './naive-app.ts';

/**
 * Mutation power: the same load (10 concurrent requests, each answered 401 because the server expired the token)
 * through a naive refresh-on-every-401 interceptor and through every tokenrelay adapter. The kit must catch the
 * naive one (reuse detected, grant revoked) and see none of that from tokenrelay.
 */
const oauth = createOAuthServer({ issuer: 'https://login.example.test' });
const server = setupServer(
  ...oauth.handlers,
  http.get(
    'https://shop.example.test/orders',
    oauth.protect(() => HttpResponse.json([{ id: 1, item: 'tea' }])),
  ),
);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => oauth.reset());
afterAll(() => server.close());

const config: AuthConfig = {
  apiBase: 'https://shop.example.test',
  tokenEndpoint: oauth.tokenEndpoint,
  clientId: oauth.clientId,
  clientSecret: oauth.clientSecret,
};

const LOAD = 10;

/** Ten concurrent calls of the app; returns how many succeeded. */
type Load = (session: Session) => Promise<number>;

const settled = async (calls: Promise<unknown>[]): Promise<number> =>
  (await Promise.allSettled(calls)).filter((result) => result.status === 'fulfilled').length;

const clientLoad =
  (create: typeof axiosApp): Load =>
  async (session) => {
    const app = create(config, session);
    try {
      return await settled(Array.from({ length: LOAD }, () => app.listOrders()));
    } finally {
      app.manager.dispose();
    }
  };

const clients: Record<string, Load> = {
  '@tokenrelay/axios': clientLoad(axiosApp),
  '@tokenrelay/ky': clientLoad(kyApp),
  '@tokenrelay/fetch': clientLoad(fetchApp),
  '@tokenrelay/got': async (session) => (await nightlyReport(config, session, LOAD)).length,
};

describe('under 10 concurrent 401s', () => {
  it('the kit catches a naive refresh-on-every-401 interceptor: reuse detected, grant revoked', async () => {
    const app = createNaiveShopClient(config, oauth.issueTokens());
    oauth.expireAccessTokens();
    const ok = await settled(Array.from({ length: LOAD }, () => app.listOrders()));

    expect(oauth).toHaveServedUnauthorized();
    expect(oauth).toHaveDetectedReuse();
    expect(oauth).toHaveRevokedGrants(1);
    expect(ok).toBeLessThan(LOAD);
  });

  it.each(Object.entries(clients))(
    '%s: one refresh, no reuse, no revoked grant, every request served',
    async (_, load) => {
      const session = oauth.issueTokens();
      oauth.expireAccessTokens();
      const ok = await load(session);

      expect(oauth).toHaveServedUnauthorized(LOAD);
      expect(oauth).toHaveRefreshed(1);
      expect(oauth).not.toHaveDetectedReuse();
      expect(oauth).not.toHaveRevokedGrants();
      expect(ok).toBe(LOAD);
    },
  );
});
