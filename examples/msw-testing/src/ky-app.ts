import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/ky';
import ky from 'ky';
import type { AuthConfig, Order, Session, ShopClient } from './config.ts';

/** A ky app: its API client, extended with tokenrelay. */
export function createShopClient(config: AuthConfig, session: Session): ShopClient {
  const manager = createTokenManager({
    tokens: session,
    refresh: oauth2Refresh({
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
    }),
  });
  const api = ky.create({ baseUrl: `${config.apiBase}/`, timeout: 10_000 }).extend(tokenRefresh(manager));
  return {
    manager,
    listOrders: (): Promise<Order[]> => api.get('orders').json<Order[]>(),
  };
}
