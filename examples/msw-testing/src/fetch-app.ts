import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import type { AuthConfig, Order, Session, ShopClient } from './config.ts';

/** A fetch app: the global fetch, wrapped for the app's API origin only. */
export function createShopClient(config: AuthConfig, session: Session): ShopClient {
  const manager = createTokenManager({
    tokens: session,
    refresh: oauth2Refresh({
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
    }),
  });
  const api = withTokenRefresh(fetch, manager, { origins: new URL(config.apiBase).origin });
  return {
    manager,
    async listOrders(): Promise<Order[]> {
      const response = await api(`${config.apiBase}/orders`);
      if (!response.ok) throw new Error(`GET /orders answered ${response.status}`);
      return (await response.json()) as Order[];
    },
  };
}
