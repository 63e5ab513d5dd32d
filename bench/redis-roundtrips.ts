/**
 * Redis costs of @tokenrelay/redis, measured against a real redis-server (Debian's, started here on 127.0.0.1):
 *
 * 1. Redis round trips per request while the token is fresh (target: 0) and per refresh: the commands the store
 *    sends through the client (a script is one round trip, however many commands it runs inside Redis).
 * 2. The wall time of a 200-request burst that starts on an expired token (so it includes the one refresh and the
 *    lock), spread over 8 processes against 1 process; interleaved, 5 rounds each, medians.
 *
 *     pnpm run build && node bench/redis-roundtrips.ts
 *
 * It uses the store's sources and the test workers of packages/redis (real child processes), and the emulated
 * authorization server of test-utils on loopback (rotation and reuse detection on).
 */
import { createTokenManager, oauth2Refresh } from '@tokenrelay/core';
import { createRedisStores, type NodeRedisClientLike } from '../packages/redis/src/index.ts';
import { nodeRedis6Resp2 } from '../packages/redis/test/clients.ts';
import { startWorker, type Worker } from '../packages/redis/test/processes.ts';
import { createOAuthServer } from '../test-utils/src/index.ts';
import { startRedis } from '../test-utils/src/redis/index.ts';

const REQUESTS = 1_000;
const REFRESHES = 50;
const BURST = 200;
const ROUNDS = 5;

const redis = await startRedis();
const emulation = createOAuthServer({ accessTokenTtlMs: 60_000 });
const listening = await emulation.listen();
const workers: Worker[] = [];
try {
  const connected = await nodeRedis6Resp2.connect(redis.url);
  const client = connected.client;
  if ('call' in client) throw new Error('the bench counts with node-redis');
  let sent = 0;
  const counting: NodeRedisClientLike = {
    sendCommand: (args) => {
      sent += 1;
      return client.sendCommand(args);
    },
    duplicate: () => client.duplicate(),
    get isOpen() {
      return client.isOpen;
    },
  };
  const commands = async (): Promise<number> => sent;
  const stores = createRedisStores({ client: counting });
  const store = stores.store('bench');
  await store.set({ ...emulation.tokenSet(), version: 1 });
  const manager = createTokenManager({
    store,
    refresh: oauth2Refresh({
      tokenEndpoint: listening.tokenEndpoint,
      clientId: emulation.clientId,
      clientSecret: emulation.clientSecret,
    }),
  });
  await manager.getAccessToken(); // first use: reads the store and subscribes
  await new Promise((resolve) => setTimeout(resolve, 200));

  const fresh0 = await commands();
  for (let i = 0; i < REQUESTS; i += 1) await manager.getAccessToken();
  const perRequest = ((await commands()) - fresh0) / REQUESTS;

  // A refresh per iteration: another handle stores the same tokens as expired, with a newer version; the
  // manager adopts them (pub/sub) and the next request refreshes. That write is one command: subtract it.
  const other = createRedisStores({ client: counting }).store('bench');
  const refresh0 = await commands();
  for (let i = 0; i < REFRESHES; i += 1) {
    const current = await store.get();
    if (current === undefined) throw new Error('no tokens stored');
    await other.set({ ...current, expiresAt: Date.now() - 1, version: (current.version ?? 0) + 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await manager.getAccessToken();
  }
  // Per iteration, the bench itself sent a GET (HMGET) and the expiring write: 2 commands.
  const perRefresh = ((await commands()) - refresh0) / REFRESHES - 2;
  manager.dispose();
  stores.close();

  console.log('Redis round trips of the store (commands sent through the client)');
  console.log(`  per request with a fresh token  ${perRequest.toFixed(2)}   (target 0)`);
  console.log(`  per refresh                     ${perRefresh.toFixed(2)}`);

  // 2. A 200-request burst on an expired token: 8 processes x 25 against 1 process x 200.
  const configFor = (grant: string, concurrency: number) => ({
    client: nodeRedis6Resp2.name,
    redisUrl: redis.url,
    grant,
    tokenEndpoint: listening.tokenEndpoint,
    clientId: emulation.clientId,
    clientSecret: emulation.clientSecret,
    apiUrl: listening.apiUrl('/data'),
    concurrency,
    leaseMs: 5_000,
    mode: 'normal' as const,
  });
  const seed = createRedisStores({ client: connected.client });
  /** Stores the grant's tokens as expired, one version above what is there, so that the next burst refreshes. */
  const expire = async (grant: string): Promise<void> => {
    const current = await seed.store(grant).get();
    await seed.store(grant).set({
      ...(current ?? emulation.tokenSet()),
      expiresAt: Date.now() - 1,
      version: (current?.version ?? 0) + 1,
    });
  };
  await expire('burst-8');
  await expire('burst-1');
  const eight = await Promise.all(
    Array.from({ length: 8 }, () => startWorker(configFor('burst-8', BURST / 8))),
  );
  const one = await Promise.all([startWorker(configFor('burst-1', BURST))]);
  workers.push(...eight, ...one);
  const time = async (group: readonly Worker[]): Promise<number> => {
    const startedAt = performance.now();
    const reports = await Promise.all(group.map((worker) => worker.round()));
    const failures = reports.flatMap((report) => report.failures);
    if (failures.length > 0) throw new Error(`burst failures: ${failures.slice(0, 3).join(', ')}`);
    return performance.now() - startedAt;
  };
  // A first round each to warm up, not counted.
  await time(eight);
  await time(one);
  await expire('burst-8');
  await expire('burst-1');
  const timings = { eight: [] as number[], one: [] as number[] };
  for (let round = 0; round < ROUNDS; round += 1) {
    await expire('burst-8');
    await expire('burst-1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    timings.eight.push(await time(eight));
    timings.one.push(await time(one));
  }
  const median = (values: number[]): number => {
    const sorted = values.toSorted((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  const m8 = median(timings.eight);
  const m1 = median(timings.one);
  console.log(`\n${BURST}-request burst on an expired token (median of ${ROUNDS}, interleaved)`);
  console.log(`  8 processes x ${BURST / 8}   ${m8.toFixed(0)} ms`);
  console.log(`  1 process x ${BURST}   ${m1.toFixed(0)} ms`);
  console.log(`  ratio 8/1         ${(m8 / m1).toFixed(2)}`);
  console.log(
    `token calls at the server: ${emulation.counters.tokenCalls}, reuse detections: ${emulation.counters.reuseDetections}`,
  );
  seed.close();
  await connected.close();
} finally {
  await Promise.all(workers.map((worker) => worker.stop()));
  await listening.close();
  await redis.stop();
}
