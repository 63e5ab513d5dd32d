export {
  type AuthServer,
  type AuthServerOptions,
  type LoginOptions,
  startAuthServer,
} from './auth-server.ts';
export type { GrantedTokens } from './code-flow.ts';
export type { TokenEndpointFault } from './faults.ts';
export type { ProviderErrorRecord, ProviderEventCounts, ProviderEventName } from './provider-events.ts';
