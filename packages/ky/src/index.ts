export type {
  KyManagerSource,
  KyRequestInfo,
  KyTokenRefreshOptions,
  TokenRelayContext,
} from './options.ts';
export {
  type KyTokenRefreshExtension,
  type KyTokenRefreshHooks,
  REPLAY_RETRY_CODE,
  tokenRefresh,
} from './token-refresh.ts';
