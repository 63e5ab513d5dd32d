import { ReauthRequiredError } from '@tokenrelay/core';
import { createOAuthServer } from '@tokenrelay/msw';
import '@tokenrelay/msw/vitest';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from './axios-app.ts';
import type { AuthConfig } from './config.ts';

// The identity provider: rotation and reuse detection on, as a production server should have them.
const oauth = createOAuthServer({ issuer: 'https://login.example.test', scope: 'orders:read' });
// The app's API: protect() answers 401 for a missing, expired, revoked or unknown token, and runs the
// handler for a valid one.
const orders = http.get(
  'https://shop.example.test/orders',
  oauth.protect(() => HttpResponse.json([{ id: 1, item: 'tea' }]), { scope: 'orders:read' }),
);
const server = setupServer(...oauth.handlers, orders);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => oauth.reset());
afterAll(() => server.close());

const config: AuthConfig = {
  apiBase: 'https://shop.example.test',
  tokenEndpoint: oauth.tokenEndpoint,
  clientId: oauth.clientId,
  clientSecret: oauth.clientSecret,
};

describe('the axios app', () => {
  it('refreshes once when the access token expires in the middle of a checkout', async () => {
    const app = createShopClient(config, oauth.issueTokens());
    expect(await app.listOrders()).toEqual([{ id: 1, item: 'tea' }]);

    oauth.expireAccessTokens(); // the server says no before the app's clock does: the 401 path
    const pages = await Promise.all(Array.from({ length: 10 }, () => app.listOrders()));

    expect(pages).toHaveLength(10);
    expect(oauth).toHaveServedUnauthorized(10);
    expect(oauth).toHaveRefreshed(1);
    expect(oauth).not.toHaveDetectedReuse();
    app.manager.dispose();
  });

  it('waits out a 503 from the identity provider', async () => {
    const app = createShopClient(config, oauth.issueTokens());
    oauth.expireAccessTokens();
    oauth.failNext(2, { status: 503, retryAfter: 0 });

    expect(await app.listOrders()).toHaveLength(1);
    expect(oauth).toHaveReceivedTokenCalls(3);
    expect(oauth).toHaveRefreshed(1);
    app.manager.dispose();
  });

  it('sends the user to the login page when the session was revoked', async () => {
    const app = createShopClient(config, oauth.issueTokens());
    oauth.revokeGrant();

    const failure = await app.listOrders().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReauthRequiredError);
    expect(oauth).toHaveRevokedGrants(1);
    app.manager.dispose();
  });
});
