export type {
  KyManagerSource,
  KyRequestInfo,
  KyTokenRefreshOptions,
  TokenRelayContext,
} from './options.ts';
export { REPLAY_RETRY_CODE } from './replay-fetch.ts';
export {
  type KyTokenRefreshExtension,
  type KyTokenRefreshHooks,
  tokenRefresh,
} from './token-refresh.ts';
