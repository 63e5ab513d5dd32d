export type { OriginsOption, ResponseInfo, ShouldRefresh } from './adapter-kit.ts';
export { systemClock } from './clock.ts';
export {
  ConfigurationError,
  DisposedError,
  type FailureKind,
  isReauthRequiredError,
  isTokenRelayError,
  LockError,
  type LockFailure,
  NotReplayableError,
  QueueFullError,
  ReauthRequiredError,
  RefreshFailedError,
  StoreConflictError,
  StoreError,
  TokenEndpointError,
  type TokenEndpointErrorOptions,
  TokenRejectedError,
  TokenRelayError,
  type TokenRelayErrorCode,
  type TokenRelayErrorJSON,
  WaitTimeoutError,
} from './errors.ts';
export { createTokenManager } from './manager.ts';
export { memoryStore } from './memory-store.ts';
export { type ClientAuthMethod, type OAuth2RefreshOptions, oauth2Refresh } from './oauth2.ts';
export { type OAuth2RevokeOptions, oauth2Revoke } from './oauth2-revoke.ts';
export { createManagerPool, type ManagerPool, type ManagerPoolOptions } from './pool.ts';
export type {
  AccessToken,
  Clock,
  GetAccessTokenOptions,
  HeldLock,
  QueueOptions,
  RefreshContext,
  RefreshFunction,
  RefreshOptions,
  RefreshReason,
  RefreshResult,
  RetryOptions,
  RevokeContext,
  RevokeFunction,
  StoreCallOptions,
  StoreClearOptions,
  TimerHandle,
  TokenManager,
  TokenManagerEventName,
  TokenManagerEvents,
  TokenManagerOptions,
  TokenManagerStatus,
  TokenSet,
  TokenStore,
} from './types.ts';
