import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { tokenRefresh } from '@tokenrelay/got';
import got from 'got';
import type { AuthConfig, Order, Session } from './config.ts';

/** A got script: fetches every order for a nightly report. */
export async function nightlyReport(config: AuthConfig, session: Session, pages: number): Promise<Order[][]> {
  const manager = createTokenManager({
    tokens: session,
    refresh: oauth2Refresh({
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
    }),
  });
  const api = got.extend({ prefixUrl: config.apiBase, timeout: { request: 10_000 } }, tokenRefresh(manager));
  try {
    return await Promise.all(
      Array.from({ length: pages }, (_, page) =>
        api.get('orders', { searchParams: { page } }).json<Order[]>(),
      ),
    );
  } finally {
    manager.dispose();
  }
}
