import { createOAuthServer } from '@tokenrelay/msw';
import '@tokenrelay/msw/vitest';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import { createShopClient } from './fetch-app.ts';

// The default clock is Date.now, so vitest's fake Date moves the server's time with the app's.
const oauth = createOAuthServer({ issuer: 'https://login.example.test', accessTokenTtl: 15 * 60_000 });
const server = setupServer(
  ...oauth.handlers,
  http.get(
    'https://shop.example.test/orders',
    oauth.protect(() => HttpResponse.json([{ id: 7, item: 'cake' }])),
  ),
);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  vi.useRealTimers();
  oauth.reset();
});
afterAll(() => server.close());

const config = {
  apiBase: 'https://shop.example.test',
  tokenEndpoint: oauth.tokenEndpoint,
  clientId: oauth.clientId,
  clientSecret: oauth.clientSecret,
};

it('refreshes before sending when the app knows its token has expired (fake Date)', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const app = createShopClient(config, oauth.issueTokens());
  expect(await app.listOrders()).toHaveLength(1);

  vi.setSystemTime(Date.now() + 20 * 60_000); // the tab was asleep for 20 minutes
  expect(await app.listOrders()).toHaveLength(1);

  expect(oauth).toHaveRefreshed(1);
  expect(oauth).not.toHaveServedUnauthorized(); // refreshed ahead: no request went out with the dead token
  app.manager.dispose();
});

it('a malformed answer from the token endpoint does not log the user out', async () => {
  const session = oauth.issueTokens();
  const app = createShopClient(config, session);
  oauth.expireAccessTokens();
  oauth.malformedNext(); // an HTML error page with status 200, from a proxy in front of the identity provider

  await expect(app.listOrders()).rejects.toThrow(/configuration error; tokens were kept/);
  app.manager.dispose();
  // The refresh token was not used up: after a reload, the same session refreshes.
  const reloaded = createShopClient(config, session);
  expect(await reloaded.listOrders()).toHaveLength(1);
  expect(oauth).toHaveRefreshed(1);
  expect(oauth).not.toHaveDetectedReuse();
  reloaded.manager.dispose();
});
