// The emulation lives in @tokenrelay/msw; these re-exports keep the repo's imports working.
export {
  type ApiEcho,
  type ClientAuthMethod,
  decodeBasicCredentials,
  encodeBasicCredentials,
  type FetchLike,
  type IssuedTokens,
  type ListeningOAuthServer,
  MAX_LATENCY_MS,
  type OAuthCounters,
  type OAuthFaults,
  originHandlers,
  type RequestRecord as ApiRequestRecord,
  type TokenFault,
} from '@tokenrelay/msw';
export { type LoopbackListener, listenLoopback } from '@tokenrelay/msw/node';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { createManagerFixture, type ManagerFixture } from './manager-fixture.ts';
export { type HasHandlers, type MswServer, startMsw } from './msw-server.ts';
export { createOAuthServer, type OAuthServer, type OAuthServerOptions } from './oauth-server.ts';

// ---- Other helpers' exports go below this line (real-server fixtures, conformance suite). ----
// Keep them as plain named exports, e.g.: export { startRealServer } from './real-server/start.ts';
