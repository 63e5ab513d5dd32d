export { attachTokenRefresh } from './attach.ts';
export type { AxiosTokenRefreshOptions, TokenRelayRequestConfig } from './options.ts';
