/**
 * Type-level tests of the request-config augmentation, checked by tsc (not run): against the newest axios with
 * `tsconfig.json`, and against axios 1.7.0's own declarations with `tsconfig.axios-oldest.json`.
 */
import axios, { type AxiosRequestConfig, type InternalAxiosRequestConfig } from 'axios';
import { expectTypeOf } from 'vitest';
import {
  type AxiosTokenRefreshOptions,
  attachTokenRefresh,
  type TokenRelayRequestConfig,
} from '../src/index.ts';

declare const manager: Parameters<typeof attachTokenRefresh>[1];

const instance = axios.create({ baseURL: 'https://api.example.test' });
const detach: () => void = attachTokenRefresh(instance, manager, { origins: ['https://api.example.test'] });
detach();

// The opt-out needs no cast, on every request method and on the defaults.
void instance.get('/public', { tokenRelay: false });
void instance.post('/token', 'grant_type=refresh_token', { tokenRelay: false });
void instance.request({ url: '/x', tokenRelay: undefined });
void axios.get('https://api.example.test/x', { tokenRelay: false });
instance.defaults.tokenRelay = false;

// Only `false` means something; anything else is a type error.
// @ts-expect-error `true` is not an opt-out
void instance.get('/x', { tokenRelay: true });
// @ts-expect-error no object form
void instance.get('/x', { tokenRelay: { skip: true } });

// Interceptors see it, typed.
instance.interceptors.request.use((config) => {
  expectTypeOf(config.tokenRelay).toEqualTypeOf<TokenRelayRequestConfig | undefined>();
  return config;
});
expectTypeOf<AxiosRequestConfig['tokenRelay']>().toEqualTypeOf<false | undefined>();
expectTypeOf<InternalAxiosRequestConfig['tokenRelay']>().toEqualTypeOf<false | undefined>();

// Options are core's common adapter options.
expectTypeOf<AxiosTokenRefreshOptions>().toHaveProperty('origins');
expectTypeOf<AxiosTokenRefreshOptions>().toHaveProperty('shouldRefresh');
// @ts-expect-error unknown option
attachTokenRefresh(instance, manager, { origin: 'https://api.example.test' });
