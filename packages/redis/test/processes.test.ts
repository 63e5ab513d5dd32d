/**
 * Acceptance: real child processes share one grant through a real redis-server, against a token endpoint with
 * refresh-token rotation and reuse detection. One token call per expiry, no reuse, no failed request.
 *
 * Expiries are counted, not assumed: every round starts with an expired token, and a round that outlasts the 1 s
 * token (a loaded machine) needs a second one. The server numbers the access tokens it issues and the API echoes
 * that number, so "one token call per expiry" is: token calls = distinct access tokens the requests were sent with,
 * and at least one per round.
 *
 * The matrix is sized to keep this file near a minute and a half: the full 8 processes x 50 requests x 10 expiries
 * runs with node-redis 6 (RESP3) and ioredis 6 (RESP2); every other client/protocol runs 4 x 25 x 3.
 */
import { randomUUID } from 'node:crypto';
import { createRedisStores } from '@tokenrelay/redis';
import { createOAuthServer, type ListeningOAuthServer, type OAuthServer } from '@tokenrelay/test-utils';
import { type RedisServer, startRedis } from '@tokenrelay/test-utils/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allClients, type ClientKind, ioredis6Resp2, nodeRedis6Resp3 } from './clients.ts';
import type { WorkerConfig } from './fixtures/protocol.ts';
import { sleep, startWorker, type Worker } from './processes.ts';

const TOKEN_TTL_MS = 1_000;

let redis: RedisServer;
let emulation: OAuthServer;
let listening: ListeningOAuthServer;
const workers: Worker[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
  await listening?.close();
});

/** A new emulation and a grant in Redis whose access token has expired. */
const setUp = async (
  kind: ClientKind,
): Promise<{ grant: string; config: Omit<WorkerConfig, 'concurrency' | 'mode'> }> => {
  emulation = createOAuthServer({ accessTokenTtlMs: TOKEN_TTL_MS, requestLogLimit: 100 });
  listening = await emulation.listen();
  const grant = randomUUID();
  const connected = await kind.connect(redis.url);
  const stores = createRedisStores({ client: connected.client });
  await stores.store(grant).set({ ...emulation.tokenSet(), expiresAt: Date.now() - 1, version: 1 });
  stores.close();
  await connected.close();
  return {
    grant,
    config: {
      client: kind.name,
      redisUrl: redis.url,
      grant,
      tokenEndpoint: listening.tokenEndpoint,
      clientId: emulation.clientId,
      clientSecret: emulation.clientSecret,
      apiUrl: listening.apiUrl('/data'),
      leaseMs: 2_000,
    },
  };
};

const spawnAll = async (count: number, config: WorkerConfig): Promise<Worker[]> => {
  const started = await Promise.all(Array.from({ length: count }, () => startWorker(config)));
  workers.push(...started);
  return started;
};

/** Every worker sends its requests at once; one round per expiry. */
const runRounds = async (
  group: readonly Worker[],
  rounds: number,
  concurrency: number,
): Promise<{ log: string[]; tokensUsed: number }> => {
  const log: string[] = [];
  const used = new Set<number>();
  for (let round = 0; round < rounds; round += 1) {
    const startedAt = Date.now();
    const callsBefore = emulation.counters.tokenCalls;
    const reports = await Promise.all(group.map((worker) => worker.round()));
    for (const report of reports) for (const serial of report.tokenSerials) used.add(serial);
    log.push(
      `round ${round}: ${Date.now() - startedAt} ms, ${emulation.counters.tokenCalls - callsBefore} token calls`,
    );
    expect(
      reports.flatMap((report) => report.failures),
      log.join('\n'),
    ).toEqual([]);
    expect(reports.reduce((sum, report) => sum + report.ok, 0)).toBe(group.length * concurrency);
    // Until the token the round refreshed has expired.
    await sleep(TOKEN_TTL_MS + 150);
  }
  return { log, tokensUsed: used.size };
};

const matrix = allClients.map((kind) =>
  kind === nodeRedis6Resp3 || kind === ioredis6Resp2
    ? { kind, name: kind.name, processes: 8, concurrency: 50, rounds: 10 }
    : { kind, name: kind.name, processes: 4, concurrency: 25, rounds: 3 },
);

describe('processes sharing one grant through Redis (emulation, rotation and reuse detection)', () => {
  it.each(matrix)(
    '$name: $processes processes x $concurrency requests x $rounds expiries: one token call per expiry',
    async ({ kind, processes, concurrency, rounds }) => {
      const { config } = await setUp(kind);
      const group = await spawnAll(processes, { ...config, concurrency, mode: 'normal' });
      const { log, tokensUsed } = await runRounds(group, rounds, concurrency);
      expect(emulation.counters.reuseDetections).toBe(0);
      expect(tokensUsed).toBeGreaterThanOrEqual(rounds);
      expect(emulation.counters.tokenCalls, log.join('\n')).toBe(tokensUsed);
      expect(emulation.counters.successfulRefreshes).toBe(tokensUsed);
    },
    60_000,
  );
});
