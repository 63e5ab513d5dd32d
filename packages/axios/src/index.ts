export { attachTokenRefresh } from './attach.ts';
export type {
  AxiosInstanceLike,
  AxiosManagerSource,
  AxiosTokenRefreshOptions,
  InterceptorsLike,
  TokenRelayRequestConfig,
} from './options.ts';
export { AxiosWaitTimeoutError } from './timeout-error.ts';
