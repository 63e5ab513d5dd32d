/** Small helpers shared by the integration scenarios. */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTokenRelayError } from '@tokenrelay/core';
import type { ConformanceResponse } from '../conformance/types.ts';
import type { Rig } from './rig.ts';

export { sleep };

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const all = <T>(n: number, value: T): T[] => range(n).map(() => value);

/** Each result as its HTTP status, or as the name of the tokenrelay error (or other error) it rejected with. */
export const outcomes = (
  rig: Rig,
  results: readonly PromiseSettledResult<ConformanceResponse>[],
): unknown[] =>
  results.map((result) => {
    if (result.status === 'fulfilled') return result.value.status;
    const error = rig.client.unwrapError(result.reason);
    if (isTokenRelayError(error)) return error.name;
    return error instanceof Error ? `${error.name} (not a tokenrelay error)` : typeof error;
  });

/** The tokenrelay errors the rejected results carry (undefined for a fulfilled one). */
export const errorsOf = (
  rig: Rig,
  results: readonly PromiseSettledResult<ConformanceResponse>[],
): unknown[] =>
  results.map((result) => (result.status === 'rejected' ? rig.client.unwrapError(result.reason) : undefined));

/**
 * oidc-provider counts in whole seconds: a token issued at `t` has `exp = floor(t) + lifetime` and is dead once
 * `floor(now) >= exp`. So a token issued no later than `issuedBy` is surely dead at the returned time, which is
 * also just past a second boundary, so that a token issued right after it lives almost its full lifetime.
 */
export const afterServerExpiry = (issuedBy: number, lifetimeSeconds = 2): number =>
  (Math.floor(issuedBy / 1000) + lifetimeSeconds) * 1000 + 30;

export const sleepUntil = (at: number): Promise<void> => sleep(Math.max(0, at - Date.now()));

/** When the last token call was answered (the newest token was issued before that). */
export const lastAnswer = (rig: Rig): number => {
  const call = rig.tokenCalls.at(-1);
  if (call?.answeredAt === undefined) throw new Error('no answered token call');
  return call.answeredAt;
};

/** What the token endpoint and the server saw, for a failing assertion's message (no token or secret in it). */
export const describeRun = (rig: Rig): string => {
  const errors = new Map<string, number>();
  for (const { event, error, detail } of rig.server.errors) {
    const key = `${event} ${error}${detail === undefined ? '' : ` (${detail})`}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  const lastCall = rig.tokenCalls.at(-1);
  return JSON.stringify({
    tokenCalls: rig.tokenCalls.map((call) => call.status ?? 'no response'),
    refreshReasons: rig.refreshReasons,
    serverErrors: Object.fromEntries(errors),
    grantRevoked: rig.server.events['grant.revoked'],
    // Negative: the newest token has expired at the server (on a machine this slow, replays can meet a 401).
    newestTokenLifeLeftMs:
      lastCall?.answeredAt === undefined
        ? undefined
        : afterServerExpiry(lastCall.answeredAt, rig.accessTokenTtl) - 30 - Date.now(),
  });
};
