/**
 * Turning what a refresh function returned (or threw) into what the machine understands.
 */
import {
  ConfigurationError,
  type FailureKind,
  isTokenRelayError,
  TokenEndpointError,
  type TokenRelayError,
} from './errors.ts';
import type { RefreshResult, TokenSet } from './types.ts';

/**
 * A `TokenSet` from a refresh result: `expiresIn` becomes `expiresAt` on the manager's clock, and a missing refresh
 * token keeps the previous one (a server that does not rotate). A result without an access token is a
 * configuration error (the user's tokens are kept).
 */
export function normalizeRefreshResult(
  result: RefreshResult,
  previous: TokenSet | undefined,
  now: number,
): TokenSet {
  if (typeof result?.accessToken !== 'string' || result.accessToken.length === 0) {
    throw new TokenEndpointError('the refresh function returned no access token', { kind: 'config' });
  }
  const expiresIn = result.expiresIn;
  if (expiresIn !== undefined && !(Number.isFinite(expiresIn) && expiresIn >= 0)) {
    throw new TokenEndpointError('the refresh function returned an invalid expiresIn', { kind: 'config' });
  }
  const expiresAt = result.expiresAt ?? (expiresIn === undefined ? undefined : now + lifetimeMs(expiresIn));
  return {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken ?? previous?.refreshToken,
    tokenType: result.tokenType ?? previous?.tokenType,
    expiresAt,
    issuedAt: now,
    scope: result.scope ?? previous?.scope,
  };
}

/**
 * How long a token given with `expires_in` (whole seconds, counted by the server from its own issue time, often
 * truncated to the second) can be trusted from its receipt: up to 1 s less than it says, a quarter of it at most,
 * so that a token is refreshed before the server ends it, not just after.
 */
export function lifetimeMs(expiresInSeconds: number): number {
  const ms = expiresInSeconds * 1000;
  return ms - Math.min(1000, ms / 4);
}

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  readonly error: unknown;
  readonly retryAfterMs?: number | undefined;
}

/** How a thrown value is treated: the kind a `TokenEndpointError` states, terminal/config for ours, else transient. */
export function classifyRefreshError(error: unknown): ClassifiedFailure {
  if (isTokenRelayError(error, 'TOKEN_ENDPOINT')) {
    const endpointError = error as TokenEndpointError;
    return { kind: endpointError.kind, error, retryAfterMs: endpointError.retryAfterMs };
  }
  if (isTokenRelayError(error, 'REAUTH_REQUIRED')) return { kind: 'terminal', error };
  if (isTokenRelayError(error, 'CONFIGURATION') || error instanceof ConfigurationError) {
    return { kind: 'config', error: error as TokenRelayError };
  }
  return { kind: 'transient', error };
}
