import { createOAuthServer } from '@tokenrelay/msw';
import '@tokenrelay/msw/vitest';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createNaiveShopClient } from './naive-app.ts';

/**
 * An app that does not use tokenrelay: its hand-written refresh-on-401 interceptor passes against a static mock
 * that accepts any refresh token. Against an emulated server with rotation and reuse detection, the test its
 * authors would write fails. This file shows that failure (and passes because it expects it).
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

it('10 requests that find the token expired log the user out', async () => {
  const app = createNaiveShopClient(
    {
      apiBase: 'https://shop.example.test',
      tokenEndpoint: oauth.tokenEndpoint,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
    },
    oauth.issueTokens(),
  );
  oauth.expireAccessTokens();

  const results = await Promise.allSettled(Array.from({ length: 10 }, () => app.listOrders()));

  // What the app's authors would assert, and how it fails:
  expect(() => expect(oauth).not.toHaveDetectedReuse()).toThrow(
    /expected the server not to have detected refresh-token reuse at least once, it did \d+ time/,
  );
  // Ten refreshes with one refresh token: the first rotated it, the second was a reuse, the grant was revoked,
  // and every later request (and the session itself) is dead.
  expect(oauth).toHaveReceivedTokenCalls(10);
  expect(oauth).toHaveRevokedGrants(1);
  expect(results.filter((result) => result.status === 'rejected').length).toBeGreaterThanOrEqual(9);
  await expect(app.listOrders()).rejects.toThrow(/status code 400/);
});
