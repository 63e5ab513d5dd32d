import axios, { type AxiosError, type InternalAxiosRequestConfig } from 'axios';
import type { AuthConfig, Order, Session, ShopClient } from './config.ts';

/**
 * An axios app WITHOUT tokenrelay: the refresh-on-every-401 interceptor found in countless codebases. Every request
 * that gets a 401 refreshes on its own, so N concurrent 401s present the same refresh token N times: a server with
 * refresh-token rotation and reuse detection (RFC 9700) revokes the whole grant and the user is logged out.
 */
export function createNaiveShopClient(config: AuthConfig, session: Session): Pick<ShopClient, 'listOrders'> {
  let { accessToken, refreshToken } = session;
  const api = axios.create({ baseURL: config.apiBase, timeout: 10_000 });
  api.interceptors.request.use((request) => {
    request.headers.set('authorization', `Bearer ${accessToken}`);
    return request;
  });
  api.interceptors.response.use(undefined, async (error: AxiosError) => {
    const request = error.config as (InternalAxiosRequestConfig & { retried?: boolean }) | undefined;
    if (error.response?.status !== 401 || request === undefined || request.retried) throw error;
    request.retried = true;
    const { data } = await axios.post<{ access_token: string; refresh_token?: string }>(
      config.tokenEndpoint,
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      { auth: { username: config.clientId, password: config.clientSecret } },
    );
    accessToken = data.access_token;
    refreshToken = data.refresh_token ?? refreshToken;
    return api.request(request);
  });
  return {
    listOrders: async (): Promise<Order[]> => (await api.get<Order[]>('/orders')).data,
  };
}
