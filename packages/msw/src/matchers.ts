import type { OAuthCounters } from './options.ts';

/**
 * Matchers over an `OAuthServer`'s counters, in the protocol vitest's and jest's `expect.extend` share. Without a
 * count a matcher asks "at least once"; with one, "exactly that many times".
 */

/** The matchers, as they appear on `expect(server)`. */
export interface OAuthServerMatchers<R = unknown> {
  /** Successful refresh-token grants. */
  toHaveRefreshed(times?: number): R;
  /** Used refresh tokens presented again (outside the grace window). */
  toHaveDetectedReuse(times?: number): R;
  /** Grants revoked (reuse detection, RFC 7009 revocation, `revokeGrant()`). */
  toHaveRevokedGrants(times?: number): R;
  /** 401 answers of the built-in API and of `protect()`ed routes. */
  toHaveServedUnauthorized(times?: number): R;
  /** Every `POST /token` call, faulted or not. */
  toHaveReceivedTokenCalls(times?: number): R;
}

/** The part of a matcher's `this` these matchers read. */
export interface MatcherContext {
  readonly isNot: boolean;
}

export interface MatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

/** One matcher: `received` is the server, `times` the expected count. */
export type MatcherFn = (this: MatcherContext, received: unknown, times?: number) => MatcherResult;

const hasCounters = (value: unknown): value is { readonly counters: OAuthCounters } =>
  typeof value === 'object' &&
  value !== null &&
  'counters' in value &&
  typeof (value as { counters: unknown }).counters === 'object';

const counting = (
  name: keyof OAuthServerMatchers,
  what: string,
  read: (counters: OAuthCounters) => number,
): MatcherFn =>
  function (this: MatcherContext, received, times) {
    if (!hasCounters(received)) {
      return { pass: false, message: () => `${name}: expected an OAuthServer from @tokenrelay/msw` };
    }
    if (times !== undefined && !(Number.isInteger(times) && times >= 0)) {
      return { pass: false, message: () => `${name}: the count must be a whole number >= 0` };
    }
    const actual = read(received.counters);
    const pass = times === undefined ? actual > 0 : actual === times;
    const wanted = times === undefined ? 'at least once' : `${times} time(s)`;
    const not = this.isNot ? 'not ' : '';
    return {
      pass,
      message: () => `expected the server ${not}to have ${what} ${wanted}, it did ${actual} time(s)`,
    };
  };

/** Pass to `expect.extend(oauthMatchers)` (vitest or jest). */
export const oauthMatchers: Readonly<Record<keyof OAuthServerMatchers, MatcherFn>> = {
  toHaveRefreshed: counting('toHaveRefreshed', 'refreshed', (c) => c.refreshes),
  toHaveDetectedReuse: counting(
    'toHaveDetectedReuse',
    'detected refresh-token reuse',
    (c) => c.reuseDetections,
  ),
  toHaveRevokedGrants: counting('toHaveRevokedGrants', 'revoked a grant', (c) => c.grantsRevoked),
  toHaveServedUnauthorized: counting('toHaveServedUnauthorized', 'answered 401', (c) => c.unauthorized),
  toHaveReceivedTokenCalls: counting(
    'toHaveReceivedTokenCalls',
    'received a token call',
    (c) => c.tokenCalls,
  ),
};
