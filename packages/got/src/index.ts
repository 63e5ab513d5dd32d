export {
  type GotManagerSource,
  type GotRequestOptions,
  type GotTokenRefreshExtension,
  type GotTokenRefreshOptions,
  type TokenRelayContext,
  tokenRefresh,
} from './token-refresh.ts';
export { GotWaitTimeoutError } from './wait-bound.ts';
