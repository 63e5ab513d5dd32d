import type { TokenManager } from '@tokenrelay/core';

/** Where the apps under test talk to: in production these come from the environment. */
export interface AuthConfig {
  /** The app's API. */
  readonly apiBase: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** The session a login left behind. */
export interface Session {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Epoch milliseconds, when the login said the access token expires. */
  readonly expiresAt?: number | undefined;
}

export interface Order {
  readonly id: number;
  readonly item: string;
}

/** What the app's API client offers. */
export interface ShopClient {
  readonly manager: TokenManager;
  listOrders(): Promise<Order[]>;
}
