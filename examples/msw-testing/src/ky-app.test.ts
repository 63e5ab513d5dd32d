import { createOAuthServer } from '@tokenrelay/msw';
import '@tokenrelay/msw/vitest';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createShopClient } from './ky-app.ts';

const oauth = createOAuthServer({ issuer: 'https://login.example.test', scope: 'orders:read' });
const server = setupServer(
  ...oauth.handlers,
  http.get(
    'https://shop.example.test/orders',
    oauth.protect(({ token }) => HttpResponse.json([{ id: token.serial, item: 'coffee' }]), {
      scope: 'orders:read',
    }),
  ),
  // An admin route: a token without `orders:admin` gets 403 insufficient_scope, which must not cause a refresh.
  http.delete(
    'https://shop.example.test/orders',
    oauth.protect(() => new HttpResponse(null, { status: 204 }), { scope: 'orders:admin' }),
  ),
);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => oauth.reset());
afterAll(() => server.close());

const config = {
  apiBase: 'https://shop.example.test',
  tokenEndpoint: oauth.tokenEndpoint,
  clientId: oauth.clientId,
  clientSecret: oauth.clientSecret,
};

it('replays every request that got a 401 after one refresh, with the new token', async () => {
  const app = createShopClient(config, oauth.issueTokens());
  oauth.expireAccessTokens();

  const pages = await Promise.all(Array.from({ length: 5 }, () => app.listOrders()));

  // protect() tells the handler which token it accepted: the second one the server issued.
  expect(pages.flat().map((order) => order.id)).toEqual([2, 2, 2, 2, 2]);
  expect(oauth).toHaveRefreshed(1);
  app.manager.dispose();
});

it('a 403 insufficient_scope is not a reason to refresh', async () => {
  const app = createShopClient(config, oauth.issueTokens());
  const { default: ky } = await import('ky');
  const { tokenRefresh } = await import('@tokenrelay/ky');
  const admin = ky
    .create({ baseUrl: `${config.apiBase}/`, throwHttpErrors: false })
    .extend(tokenRefresh(app.manager));

  const response = await admin.delete('orders');

  expect(response.status).toBe(403);
  expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  expect(oauth).not.toHaveRefreshed();
  app.manager.dispose();
});
