export {
  type GotTokenRefreshExtension,
  type GotTokenRefreshOptions,
  type TokenRelayContext,
  tokenRefresh,
} from './token-refresh.ts';
