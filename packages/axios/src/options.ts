import type { CommonAdapterOptions } from '@tokenrelay/core';

/**
 * Options of `attachTokenRefresh`. `origins` defaults to the origin of the instance's `baseURL`; an instance with
 * neither gets a `ConfigurationError` at attach time.
 */
export interface AxiosTokenRefreshOptions extends CommonAdapterOptions {}

/**
 * Per-request setting, on every axios request config by module augmentation:
 * `instance.get('/public', { tokenRelay: false })` sends no token and never starts a refresh.
 */
export type TokenRelayRequestConfig = false;

declare module 'axios' {
  // Augments axios's own interface; the type parameter must be named as axios names it (its default stays axios's).
  interface AxiosRequestConfig<D> {
    /**
     * `false`: this request gets no token and its 401 never starts a refresh (use it for calls to the token
     * endpoint, or anything that must not carry the token).
     */
    tokenRelay?: TokenRelayRequestConfig | undefined;
  }
}
