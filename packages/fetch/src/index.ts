export { DEFAULT_REPLAY_BUFFER_BYTES } from './body.ts';
export type {
  FetchLike,
  FetchManagerSource,
  FetchRequestInfo,
  FetchTokenRefreshOptions,
  RedirectHandling,
  TokenRefreshFetch,
  TokenRefreshRequestInit,
} from './types.ts';
export { withTokenRefresh } from './with-token-refresh.ts';
