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
import { tokenSetProblem } from './validate.ts';

/** No token is trusted for less than this: a server answering `expires_in: 0` (or 0.001) must not cause a storm. */
export const MIN_LIFETIME_MS = 1_000;

/** Epoch milliseconds are above this for any date after 1973; epoch seconds stay below it until the year 5138. */
const LOOKS_LIKE_SECONDS = 1e11;

const invalid = (what: string): TokenEndpointError =>
  new TokenEndpointError(`the refresh result's ${what}`, { kind: 'config' });

/**
 * A `TokenSet` from a refresh result: `expiresIn` becomes `expiresAt` on the manager's clock, and a missing refresh
 * token keeps the previous one (a server that does not rotate). The result is checked at the boundary: an access
 * token that is missing or not header-safe, an `expiresAt` in the past, not finite, or in seconds (a JWT `exp`),
 * or a negative `expiresIn` is a configuration error naming the field (the user's tokens are kept, the next
 * refresh backs off). A lifetime below `MIN_LIFETIME_MS` is raised to it.
 */
export function normalizeRefreshResult(
  result: RefreshResult,
  previous: TokenSet | undefined,
  now: number,
): TokenSet {
  if (typeof result !== 'object' || result === null) throw invalid('value is not an object');
  const expiresIn = result.expiresIn;
  if (
    expiresIn !== undefined &&
    !(typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= 0)
  ) {
    throw invalid('expiresIn is not a finite number of seconds >= 0');
  }
  let expiresAt = result.expiresAt;
  if (expiresAt !== undefined) {
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      throw invalid('expiresAt is not a finite number');
    }
    if (expiresAt < LOOKS_LIKE_SECONDS && now >= LOOKS_LIKE_SECONDS) {
      throw invalid('expiresAt looks like epoch seconds; it must be epoch milliseconds');
    }
    if (expiresAt <= now) throw invalid('expiresAt is in the past');
  } else if (expiresIn !== undefined) {
    expiresAt = now + lifetimeMs(expiresIn);
  }
  if (expiresAt !== undefined) expiresAt = Math.max(expiresAt, now + MIN_LIFETIME_MS);
  const tokens: TokenSet = {
    accessToken: result.accessToken,
    refreshToken: result.refreshToken ?? previous?.refreshToken,
    tokenType: result.tokenType ?? previous?.tokenType,
    expiresAt,
    issuedAt: now,
    scope: result.scope ?? previous?.scope,
  };
  const problem = tokenSetProblem(tokens);
  if (problem !== undefined) throw invalid(problem);
  return tokens;
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
