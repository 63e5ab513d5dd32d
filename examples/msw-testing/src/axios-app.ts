import { attachTokenRefresh } from '@tokenrelay/axios';
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import axios from 'axios';
import type { AuthConfig, Order, Session, ShopClient } from './config.ts';

/** An axios app: its API client, with tokenrelay attached. */
export function createShopClient(config: AuthConfig, session: Session): ShopClient {
  const manager = createTokenManager({
    tokens: session,
    refresh: oauth2Refresh({
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
    }),
  });
  const api = axios.create({ baseURL: config.apiBase, timeout: 10_000 });
  attachTokenRefresh(api, manager);
  return {
    manager,
    listOrders: async (): Promise<Order[]> => (await api.get<Order[]>('/orders')).data,
  };
}
