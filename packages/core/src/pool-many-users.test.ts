/**
 * A pool serving many users: every request carries only its own user's token (checked by a resource server that
 * knows which user each token was issued to), whatever the order of expiries and evictions; and 10,000 users
 * through a pool of 1,000 stay bounded and leave no timer behind.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenEndpointError } from './errors.ts';
import { memoryStore } from './memory-store.ts';
import { createManagerPool } from './pool.ts';
import { createFakeClock, type FakeClock } from './testing.ts';
import type { RefreshFunction, TokenStore } from './types.ts';

/**
 * An authorization server with rotation and reuse detection, and a resource server, for many users at once.
 * One refresh function for every user (as `oauth2Refresh` with one client would be): it knows the user only
 * from the refresh token it is given.
 */
function createServers(clock: FakeClock, ttlOf: (user: string) => number) {
  let serial = 0;
  const accessTokens = new Map<string, { owner: string; expiresAt: number }>();
  const refreshTokens = new Map<string, { owner: string; used: boolean }>();
  const stats = { tokenCalls: 0, reuseDetections: 0, wrongOwner: 0, expired: 0, unknown: 0 };
  const issue = (owner: string) => {
    serial += 1;
    const accessToken = `at-${serial}-${Math.random().toString(36).slice(2)}`;
    const refreshToken = `rt-${serial}-${Math.random().toString(36).slice(2)}`;
    const ttl = ttlOf(owner);
    accessTokens.set(accessToken, { owner, expiresAt: clock.now() + ttl });
    refreshTokens.set(refreshToken, { owner, used: false });
    return { accessToken, refreshToken, expiresIn: ttl / 1_000 };
  };
  const refresh: RefreshFunction = async ({ refreshToken }) => {
    stats.tokenCalls += 1;
    const grant = refreshToken === undefined ? undefined : refreshTokens.get(refreshToken);
    if (grant === undefined) throw new TokenEndpointError('unknown refresh token', { kind: 'terminal' });
    if (grant.used) {
      stats.reuseDetections += 1;
      throw new TokenEndpointError('refresh token reused', { kind: 'terminal', oauthError: 'invalid_grant' });
    }
    grant.used = true;
    return issue(grant.owner);
  };
  /** What the resource server answers a request of `user` carrying `token`. */
  const serve = (user: string, token: string): 200 | 401 => {
    const info = accessTokens.get(token);
    if (info === undefined) stats.unknown += 1;
    else if (info.owner !== user) stats.wrongOwner += 1;
    else if (clock.now() >= info.expiresAt) stats.expired += 1;
    else return 200;
    return 401;
  };
  return { issue, refresh, serve, stats };
}

/** The app's database of tokens, one store per user, which outlives the pool's managers. */
function createDatabase(
  clock: FakeClock,
  users: readonly string[],
  servers: ReturnType<typeof createServers>,
) {
  const stores = new Map<string, TokenStore>();
  for (const user of users) {
    const issued = servers.issue(user);
    stores.set(
      user,
      memoryStore({
        accessToken: issued.accessToken,
        refreshToken: issued.refreshToken,
        expiresAt: clock.now() + issued.expiresIn * 1_000,
        issuedAt: clock.now(),
      }),
    );
  }
  return (user: string): TokenStore => {
    const store = stores.get(user);
    if (store === undefined) throw new Error(`no such user ${user}`);
    return store;
  };
}

const USERS = Array.from({ length: 1_000 }, (_, i) => `user-${i}`);

describe('a manager pool serving many users', () => {
  it('1,000 users, interleaved expiries, evictions: every request carries only its own user token', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Each user's token lifetime (1 to 20 s), and rounds of (a few users at once, time passing).
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: USERS.length, maxLength: USERS.length }),
        fc.array(
          fc.record({
            users: fc.uniqueArray(fc.integer({ min: 0, max: USERS.length - 1 }), {
              minLength: 1,
              maxLength: 8,
            }),
            advanceMs: fc.integer({ min: 0, max: 3_000 }),
          }),
          { minLength: 150, maxLength: 300 },
        ),
        fc.integer({ min: 50, max: 400 }),
        async (ttlSeconds, rounds, max) => {
          const clock = createFakeClock();
          const servers = createServers(clock, (user) => (ttlSeconds[Number(user.slice(5))] ?? 1) * 1_000);
          const storeOf = createDatabase(clock, USERS, servers);
          const pool = createManagerPool({
            clock,
            max,
            idleMs: 20_000,
            create: (user) => ({ store: storeOf(user), refresh: servers.refresh }),
          });
          let ok = 0;
          try {
            for (const round of rounds) {
              await clock.advance(round.advanceMs);
              const requests = round.users.map(async (index) => {
                const user = USERS[index] ?? 'nobody';
                // Two requests per user at once, as a burst would have.
                const tokens = await Promise.all([1, 2].map(() => pool.get(user).getAccessToken()));
                for (const { token } of tokens) if (servers.serve(user, token) === 200) ok += 1;
              });
              await Promise.all(requests);
              expect(pool.size).toBeLessThanOrEqual(max + round.users.length);
              expect(pool.size - pool.draining).toBeLessThanOrEqual(max);
            }
          } finally {
            pool.dispose();
          }
          const expected = rounds.reduce((sum, round) => sum + round.users.length * 2, 0);
          expect(servers.stats).toMatchObject({ wrongOwner: 0, unknown: 0, expired: 0, reuseDetections: 0 });
          expect(ok).toBe(expected);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 5 },
    );
  }, 120_000);

  it('10,000 users through a pool of 1,000: bounded, and no timer left after dispose()', async () => {
    const clock = createFakeClock();
    const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
    const servers = createServers(clock, () => 60_000);
    const storeOf = createDatabase(clock, users, servers);
    const pool = createManagerPool({
      clock,
      max: 1_000,
      create: (user) => ({ store: storeOf(user), refresh: servers.refresh }),
    });
    let largest = 0;
    let ok = 0;
    for (let start = 0; start < users.length; start += 100) {
      const batch = users.slice(start, start + 100);
      const results = await Promise.all(
        batch.map(async (user) => ({ user, ...(await pool.get(user).getAccessToken()) })),
      );
      for (const { user, token } of results) if (servers.serve(user, token) === 200) ok += 1;
      largest = Math.max(largest, pool.size);
      await clock.advance(700);
    }
    expect(ok).toBe(users.length);
    expect(largest).toBeLessThanOrEqual(1_000);
    expect(servers.stats).toMatchObject({ wrongOwner: 0, reuseDetections: 0 });
    expect(clock.pending).toBeGreaterThan(0);
    pool.dispose();
    expect(pool.size).toBe(0);
    expect(clock.pending).toBe(0);
  }, 120_000);
});
