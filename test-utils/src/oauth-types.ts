// Kept so the suites' relative imports keep working; the types live in @tokenrelay/msw.
export type {
  ApiEcho,
  ClientAuthMethod,
  FetchLike,
  IssuedTokens,
  ListeningOAuthServer,
  OAuthCounters,
  OAuthFaults,
  RequestRecord as ApiRequestRecord,
  TokenFault,
} from '@tokenrelay/msw';
export type { OAuthServerOptions } from './oauth-server.ts';
