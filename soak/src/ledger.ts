/**
 * One client's token history, from its manager's events: how many refreshes it made, and how many of its tokens
 * came due while they were the current one (an "expiry": the moment the core's rule says the token must be
 * replaced). One refresh per expiry is the goal; a refresh that replaces a token before it came due is a refresh
 * too many, and a token that stays due without a refresh is one too few.
 */
import type { TokenManager, TokenSet } from '@tokenrelay/core';

export interface LedgerTotals {
  /** New tokens received (successful refreshes). */
  readonly refreshes: number;
  /** Tokens that came due (`expiresAt - skew`, the skew clamped to half the lifetime) while current. */
  readonly expiries: number;
  /** Tokens that outlived their `expiresAt` while current (requests may have met a 401 then). */
  readonly lateTokens: number;
  /** Refresh attempts that failed (`refresh-failed` events). */
  readonly refreshFailures: number;
  /** `reauth-required` events. */
  readonly reauthRequired: number;
}

export interface Ledger {
  /** Totals as of `end` (ms since the epoch): the current token counts if it came due by then. */
  totals(end: number): LedgerTotals;
}

interface Held {
  readonly accessToken: string;
  readonly dueAt: number;
  readonly expiresAt: number;
}

/** The core's documented rule: refresh when `now >= expiresAt - skew`, the skew clamped to half the lifetime. */
const held = (tokens: TokenSet, skewMs: number): Held => {
  const { expiresAt, issuedAt } = tokens;
  if (expiresAt === undefined) {
    return {
      accessToken: tokens.accessToken,
      dueAt: Number.POSITIVE_INFINITY,
      expiresAt: Number.POSITIVE_INFINITY,
    };
  }
  const skew = issuedAt === undefined ? skewMs : Math.max(0, Math.min(skewMs, (expiresAt - issuedAt) / 2));
  return { accessToken: tokens.accessToken, dueAt: expiresAt - skew, expiresAt };
};

export function createLedger(
  manager: TokenManager,
  initial: TokenSet,
  skewMs: number,
  now: () => number = Date.now,
): Ledger {
  let current: Held | undefined = held(initial, skewMs);
  let refreshes = 0;
  let expiries = 0;
  let lateTokens = 0;
  let refreshFailures = 0;
  let reauthRequired = 0;
  const retire = (token: Held, at: number): void => {
    if (token.dueAt <= at) expiries += 1;
    if (token.expiresAt <= at) lateTokens += 1;
  };
  manager.on('tokens', (tokens) => {
    if (tokens?.accessToken === current?.accessToken) return;
    if (current !== undefined) retire(current, now());
    current = tokens === undefined ? undefined : held(tokens, skewMs);
    if (tokens !== undefined) refreshes += 1;
  });
  manager.on('refresh-failed', () => {
    refreshFailures += 1;
  });
  manager.on('reauth-required', () => {
    reauthRequired += 1;
  });
  return {
    totals(end) {
      const last = current;
      const due = last !== undefined && last.dueAt <= end ? 1 : 0;
      const late = last !== undefined && last.expiresAt <= end ? 1 : 0;
      return {
        refreshes,
        expiries: expiries + due,
        lateTokens: lateTokens + late,
        refreshFailures,
        reauthRequired,
      };
    },
  };
}
