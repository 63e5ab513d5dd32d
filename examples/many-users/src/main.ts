/**
 * Many users in one process: a manager pool (`createManagerPool`, a bounded LRU) keyed by user, each user's grant
 * in Redis under its own keys and lock (`createRedisStores`). Runs against a real authorization server
 * (oidc-provider on 127.0.0.1, 2 s access tokens, rotating refresh tokens with reuse detection) and a real
 * redis-server. The pool holds fewer managers than there are users, so managers are evicted and re-created from
 * the store; every response is checked to belong to the user whose token was sent.
 *
 *     node src/main.ts [--users 12] [--pool 5] [--rounds 3]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createManagerPool, createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { withTokenRefresh } from '@tokenrelay/fetch';
import { createRedisStores } from '@tokenrelay/redis';
import { startAuthServer } from '@tokenrelay/test-utils/real-server';
import { startRedis } from '@tokenrelay/test-utils/redis';
import { createClient } from 'redis';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '12' },
    pool: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
  },
});
const users = Number(values.users);
const poolSize = Number(values.pool);
const rounds = Number(values.rounds);
for (const [name, value, max] of [
  ['users', users, 100],
  ['pool', poolSize, 100],
  ['rounds', rounds, 10],
] as const) {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`--${name}: 1 to ${max}`);
}

const watchdog = setTimeout(() => {
  console.error('many-users: not finished in time, giving up');
  process.exit(1);
}, 60_000);
watchdog.unref();

const redis = await startRedis();
const auth = await startAuthServer({ accessTokenTtl: 2 });
const client = await createClient({ url: redis.url }).connect();
const stores = createRedisStores({ client, prefix: 'many-users' });
try {
  // Each user signs in once; their tokens go to their own keys in Redis.
  const ids = Array.from({ length: users }, (_, i) => `user-${i + 1}`);
  for (const id of ids) {
    const login = await auth.login({ subject: id });
    await stores.store(id).set({
      accessToken: login.accessToken,
      refreshToken: login.refreshToken,
      expiresAt: Date.now() + login.expiresIn * 1000,
      issuedAt: Date.now(),
      version: 1,
    });
  }
  auth.resetEvents();

  const refresh = oauth2Refresh({
    tokenEndpoint: auth.tokenEndpoint,
    clientId: auth.client.clientId,
    clientSecret: auth.client.clientSecret,
  });
  // Keyed by user; a manager is made on first use and reads its user's tokens from Redis.
  const pool = createManagerPool({
    max: poolSize,
    create: (userId) => createTokenManager({ store: stores.store(userId), refresh }),
  });
  const origin = new URL(auth.userinfoUrl).origin;
  const apiFor = (userId: string) => withTokenRefresh(fetch, pool.get(userId), { origins: origin });

  let requests = 0;
  let succeeded = 0;
  let wrongUser = 0;
  let largestPool = 0;
  let largestDraining = 0;
  console.log(
    `${users} users, a pool of ${poolSize} managers, ${rounds} rounds 2.2 s apart (2 s access tokens)\n`,
  );
  for (let round = 1; round <= rounds; round += 1) {
    // Users in a shuffled order, as many at once as the pool holds, three requests each.
    const order = ids.toSorted(() => Math.random() - 0.5);
    const results: { ok: boolean; mine: boolean }[] = [];
    for (let start = 0; start < order.length; start += poolSize) {
      const batch = order.slice(start, start + poolSize);
      results.push(
        ...(await Promise.all(
          batch.flatMap((id) =>
            Array.from({ length: 3 }, async () => {
              const response = await apiFor(id)(auth.userinfoUrl, { signal: AbortSignal.timeout(15_000) });
              const body = (await response.json().catch(() => ({}))) as { sub?: string };
              largestPool = Math.max(largestPool, pool.size - pool.draining);
              largestDraining = Math.max(largestDraining, pool.draining);
              return { ok: response.status === 200, mine: body.sub === id };
            }),
          ),
        )),
      );
    }
    requests += results.length;
    succeeded += results.filter((result) => result.ok).length;
    wrongUser += results.filter((result) => result.ok && !result.mine).length;
    console.log(
      `round ${round}: ${results.filter((result) => result.ok).length} of ${results.length} succeeded`,
    );
    if (round < rounds) await sleep(2_200);
  }
  pool.dispose();

  const events = auth.events;
  console.log('');
  console.log(`requests                       ${requests}`);
  console.log(`succeeded                      ${succeeded}`);
  console.log(`answered for another user      ${wrongUser}`);
  console.log(`managers in the pool, at most  ${largestPool} (of ${users} users)`);
  console.log(`evicted while refreshing, finished first, at most  ${largestDraining}`);
  console.log(`refreshes seen by the server   ${events['refresh_token.consumed']}`);
  console.log(`grants revoked (reuse)         ${events['grant.revoked']}`);
  const ok =
    succeeded === requests && wrongUser === 0 && events['grant.revoked'] === 0 && largestPool <= poolSize;
  console.log(ok ? '\nOK: every user got their own token, no grant revoked' : '\nFAILED');
  process.exitCode = ok ? 0 : 1;
} finally {
  stores.close();
  client.destroy();
  await auth.close();
  await redis.stop();
}
