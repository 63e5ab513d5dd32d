export { decodeBasicCredentials, encodeBasicCredentials } from './client-auth.ts';
export { MAX_LATENCY_MS } from './emulation-state.ts';
export {
  type MatcherContext,
  type MatcherFn,
  type MatcherResult,
  type OAuthServerMatchers,
  oauthMatchers,
} from './matchers.ts';
export { originHandlers } from './msw-handlers.ts';
export { createOAuthServer, type OAuthServer } from './oauth-server.ts';
export type {
  ApiEcho,
  ClientAuthMethod,
  Clock,
  FetchLike,
  IssuedTokens,
  ListeningOAuthServer,
  OAuthClient,
  OAuthCounters,
  OAuthFaults,
  OAuthServerOptions,
  RequestRecord,
  ReuseDetection,
  TokenFault,
} from './options.ts';
export type { AccessTokenDetails, ProtectedResolver, ProtectOptions } from './protect.ts';
