export {
  type AdapterSettings,
  adapterSettings,
  authorizationValue,
  type CommonAdapterOptions,
  createOriginPolicy,
  defaultShouldRefresh,
  type OriginPolicy,
  type OriginsOption,
  type ResponseInfo,
  type ShouldRefresh,
} from './adapter-kit.ts';
export { systemClock } from './clock.ts';
export {
  ConfigurationError,
  DisposedError,
  type FailureKind,
  isReauthRequiredError,
  isTokenRelayError,
  NotReplayableError,
  QueueFullError,
  ReauthRequiredError,
  RefreshFailedError,
  StoreError,
  TokenEndpointError,
  type TokenEndpointErrorOptions,
  TokenRelayError,
  type TokenRelayErrorCode,
  type TokenRelayErrorJSON,
  WaitTimeoutError,
} from './errors.ts';
export { createTokenManager } from './manager.ts';
export { memoryStore } from './memory-store.ts';
export { type ClientAuthMethod, type OAuth2RefreshOptions, oauth2Refresh } from './oauth2.ts';
export { type OAuth2RevokeOptions, oauth2Revoke } from './oauth2-revoke.ts';
export type {
  AccessToken,
  Clock,
  GetAccessTokenOptions,
  QueueOptions,
  RefreshContext,
  RefreshFunction,
  RefreshOptions,
  RefreshReason,
  RefreshResult,
  RetryOptions,
  RevokeContext,
  RevokeFunction,
  TimerHandle,
  TokenManager,
  TokenManagerEventName,
  TokenManagerEvents,
  TokenManagerOptions,
  TokenManagerStatus,
  TokenSet,
  TokenStore,
} from './types.ts';
