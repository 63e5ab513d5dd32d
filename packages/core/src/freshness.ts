/**
 * The machine's judgements, as pure functions of state, time and policy: is a token usable, is a refresh due,
 * how long to back off, when the storm guard allows the next call, what counts as use.
 */
import type { Effect, MachinePolicy, MachineState } from './machine-types.ts';
import type { AccessToken, TokenSet } from './types.ts';

/** The skew in effect for these tokens: the configured one, clamped to half the token's lifetime. */
export function effectiveSkew(tokens: TokenSet, skewMs: number): number {
  if (tokens.expiresAt === undefined || tokens.issuedAt === undefined) return skewMs;
  return Math.max(0, Math.min(skewMs, (tokens.expiresAt - tokens.issuedAt) / 2));
}

/** May this token be sent now? (held, not rejected by a server, not expired, and the clock did not go back) */
export function isUsable(state: MachineState, now: number): boolean {
  const tokens = state.tokens;
  if (tokens === undefined || tokens.accessToken === state.rejected) return false;
  if (tokens.issuedAt !== undefined && now < tokens.issuedAt) return false;
  return tokens.expiresAt === undefined || now < tokens.expiresAt;
}

/** Is it time to refresh? (nothing usable, or inside the skew window before expiry) */
export function needsRefresh(state: MachineState, now: number, policy: MachinePolicy): boolean {
  if (!isUsable(state, now)) return true;
  const tokens = state.tokens as TokenSet;
  return tokens.expiresAt !== undefined && now >= tokens.expiresAt - effectiveSkew(tokens, policy.skewMs);
}

/**
 * The times at which `needsRefresh(state, now, policy)` is false, as `[from, until)`: the same answer for every
 * `now`, from two comparisons. `undefined` when it is true at every time (no usable tokens).
 */
export function freshWindow(
  state: MachineState,
  policy: MachinePolicy,
): { readonly from: number; readonly until: number } | undefined {
  const tokens = state.tokens;
  if (tokens === undefined || tokens.accessToken === state.rejected) return undefined;
  const from = tokens.issuedAt ?? Number.NEGATIVE_INFINITY;
  const until =
    tokens.expiresAt === undefined
      ? Number.POSITIVE_INFINITY
      : Math.min(tokens.expiresAt, tokens.expiresAt - effectiveSkew(tokens, policy.skewMs));
  return { from, until };
}

export const accessTokenOf = (tokens: TokenSet): AccessToken => ({
  token: tokens.accessToken,
  type: tokens.tokenType ?? 'Bearer',
});
/** Exponential backoff with full jitter; a server's Retry-After wins. Both capped at `maxDelayMs`. */
export function backoffDelay(
  attempt: number,
  policy: MachinePolicy,
  jitter: number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

/** The storm guard: the earliest time a refresh nobody waits for may start. */
export const nextCallAllowedAt = (state: MachineState, policy: MachinePolicy): number =>
  state.lastCallAt === undefined ? Number.NEGATIVE_INFINITY : state.lastCallAt + policy.minRefreshIntervalMs;

/**
 * The proactive timer for the tokens held: only for tokens in use (an idle manager makes no token calls), never
 * earlier than the storm guard allows.
 */
export const proactiveEffects = (state: MachineState, now: number, policy: MachinePolicy): Effect[] => {
  const tokens = state.tokens;
  if (!policy.proactive || !state.inUse || tokens?.expiresAt === undefined) return [];
  const at = Math.max(
    tokens.expiresAt - effectiveSkew(tokens, policy.skewMs),
    nextCallAllowedAt(state, policy),
  );
  return [{ type: 'schedule-proactive', epoch: state.epoch, delayMs: Math.max(0, at - now) }];
};

/**
 * Delay of the rejection backoff: the ceiling starts at twice the storm guard's interval (or `baseDelayMs` when
 * larger) and doubles per rejection up to `maxDelayMs`; the delay is jittered between half the ceiling and all of it.
 */
export function rejectionDelay(rejections: number, policy: MachinePolicy, jitter: number): number {
  const base = Math.max(2 * policy.minRefreshIntervalMs, policy.baseDelayMs);
  const ceiling = Math.min(Math.max(policy.maxDelayMs, base), base * 2 ** (rejections - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

/**
 * How soon after a refresh a request still belongs to the burst that caused it: a quarter of the new token's
 * lifetime, 1 s at most. Such stragglers do not count as use (else every burst would arm a refresh ahead).
 */
export function stragglerWindow(tokens: TokenSet, policy: MachinePolicy): number {
  if (tokens.expiresAt === undefined || tokens.issuedAt === undefined) return policy.minRefreshIntervalMs;
  return Math.min(policy.minRefreshIntervalMs, (tokens.expiresAt - tokens.issuedAt) / 4);
}
