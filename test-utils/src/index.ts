export { MAX_LATENCY_MS, realDelay } from './emulation-state.ts';
export { createFakeClock, type FakeClock } from './fake-clock.ts';
export { createFetchDouble } from './fetch-double.ts';
export { type LoopbackListener, listenLoopback } from './http-listener.ts';
export { createManagerFixture, type ManagerFixture } from './manager-fixture.ts';
export { type HasHandlers, type MswServer, originHandlers, startMsw } from './msw-server.ts';
export { createOAuthServer, type OAuthServer } from './oauth-server.ts';
export type {
  ApiEcho,
  ApiRequestRecord,
  ClientAuthMethod,
  FetchLike,
  IssuedTokens,
  ListeningOAuthServer,
  OAuthCounters,
  OAuthFaults,
  OAuthServerOptions,
  TokenFault,
} from './oauth-types.ts';
export { decodeBasicCredentials, encodeBasicCredentials } from './token-endpoint.ts';

// ---- Other helpers' exports go below this line (real-server fixtures, conformance suite). ----
// Keep them as plain named exports, e.g.: export { startRealServer } from './real-server/start.ts';
