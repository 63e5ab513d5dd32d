import type { CommonAdapterOptions, ManagerSource } from '@tokenrelay/core/adapter-kit';
import type { InternalAxiosRequestConfig } from 'axios';

/**
 * Options of `attachTokenRefresh`. `origins` defaults to the origin of the instance's `baseURL` when the adapter is
 * attached (a later `defaults.baseURL` or a request's own `baseURL` never widens it); an instance with neither gets
 * a `ConfigurationError` at attach time.
 */
export interface AxiosTokenRefreshOptions extends CommonAdapterOptions {}

/**
 * What `attachTokenRefresh` uses of an axios instance, written out structurally so that both axios's ESM and its
 * CommonJS declarations fit (a `.cts` file's `import axios = require('axios')` gets the latter). `C` and `R` are the
 * instance's own request config and response types, inferred from it.
 */
export interface AxiosInstanceLike<C extends object = object, R extends object = object> {
  readonly defaults: { readonly baseURL?: string | undefined };
  readonly interceptors: {
    readonly request: InterceptorsLike<C>;
    readonly response: InterceptorsLike<R>;
  };
  request(config: never): Promise<unknown>;
  getUri(config?: never): string;
}

/** What the adapter uses of an axios interceptor manager. */
export interface InterceptorsLike<V> {
  use(
    onFulfilled?: ((value: V) => V | Promise<V>) | null,
    onRejected?: ((error: unknown) => unknown) | null,
  ): number;
  eject(id: number): void;
}

/**
 * The manager of each request: one `TokenManager`, or a resolver called with the request's config, e.g.
 * `(config) => pool.get(String(config.headers.get('x-user')))`.
 */
export type AxiosManagerSource<C extends object = InternalAxiosRequestConfig> = ManagerSource<C>;

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
