import type { FakeClock } from '../../src/testing.ts';
import type { TokenSet } from '../../src/types.ts';

/** Tokens issued an hour ago that expired a millisecond ago on `clock`: the first request must wait for a refresh. */
export const expiredTokens = (clock: FakeClock): TokenSet => ({
  accessToken: 'A0',
  refreshToken: 'R0',
  issuedAt: clock.now() - 3_600_000,
  expiresAt: clock.now() - 1,
});
