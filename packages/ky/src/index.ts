export type { KyTokenRefreshOptions, TokenRelayContext } from './options.ts';
export { type KyTokenRefreshHooks, REPLAY_RETRY_CODE, tokenRefresh } from './token-refresh.ts';
