/**
 * NOT tokenrelay. A hand-written axios interceptor as countless apps and the popular plugins do it: on every
 * 401, refresh the token and retry the request once. It is written here, by us, to show what happens when
 * nothing coordinates those refreshes: each request that meets the expired token refreshes on its own, all
 * with the same refresh token. A server with refresh-token rotation and reuse detection (OAuth 2.0 Security BCP,
 * RFC 9700 section 4.14) sees a rotated refresh token come back, takes it for a stolen one and revokes the
 * whole grant: the user is logged out and every later request fails.
 */
import type { TokenSet } from '@tokenrelay/core';
import type { AuthServer } from '@tokenrelay/test-utils/real-server';
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { clientBasicAuth } from './grants.ts';

export interface NaiveCounts {
  /** Token requests that came back with new tokens. */
  readonly refreshed: number;
  /** Token requests the server turned down (`invalid_grant` once the grant is revoked). */
  readonly rejected: number;
}

export interface NaiveAuth {
  counts(): NaiveCounts;
  /** The refresh token the interceptor holds now. */
  refreshToken(): string | undefined;
}

type RetriableConfig = InternalAxiosRequestConfig & { _retried?: boolean };

/** Adds the naive request and response interceptors to `instance`. */
export function attachNaiveRefresh(
  instance: AxiosInstance,
  server: AuthServer,
  initial: TokenSet,
): NaiveAuth {
  let tokens = { access: initial.accessToken, refresh: initial.refreshToken };
  let refreshed = 0;
  let rejected = 0;

  // The token request itself: plain fetch, as the plugins' `refreshAuthLogic` callbacks do.
  const refreshTokens = async (): Promise<void> => {
    const response = await fetch(server.tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: clientBasicAuth(server),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh ?? '' }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) {
      rejected += 1;
      throw new Error(`refresh failed: HTTP ${response.status}`);
    }
    const body = (await response.json()) as { access_token: string; refresh_token?: string };
    tokens = { access: body.access_token, refresh: body.refresh_token ?? tokens.refresh };
    refreshed += 1;
  };

  instance.interceptors.request.use((config) => {
    config.headers.set('Authorization', `Bearer ${tokens.access}`);
    return config;
  });
  instance.interceptors.response.use(undefined, async (error: unknown) => {
    const config = axios.isAxiosError(error) ? (error.config as RetriableConfig | undefined) : undefined;
    if (
      !axios.isAxiosError(error) ||
      error.response?.status !== 401 ||
      config === undefined ||
      config._retried
    ) {
      throw error;
    }
    config._retried = true;
    await refreshTokens(); // every 401 refreshes: no queue, no check whether someone else just did
    return instance.request(config);
  });

  return {
    counts: () => ({ refreshed, rejected }),
    refreshToken: () => tokens.refresh,
  };
}
