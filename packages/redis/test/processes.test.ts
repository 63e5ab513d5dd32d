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
import { type RedisServer, startRedis } from '@tokenrelay/test-utils/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allClients, ioredis6Resp2, nodeRedis6Resp3 } from './clients.ts';
import { createScenario, runRounds, type Scenario } from './scenario.ts';

let redis: RedisServer;
let scenario: Scenario | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const matrix = allClients.map((kind) =>
  kind === nodeRedis6Resp3 || kind === ioredis6Resp2
    ? { kind, name: kind.name, processes: 8, concurrency: 50, rounds: 10 }
    : { kind, name: kind.name, processes: 4, concurrency: 25, rounds: 3 },
);

describe('processes sharing one grant through Redis (emulation, rotation and reuse detection)', () => {
  it.each(matrix)(
    '$name: $processes processes x $concurrency requests x $rounds expiries: one token call per expiry',
    async ({ kind, processes, concurrency, rounds }) => {
      const current = await createScenario(kind, redis.url);
      scenario = current;
      const group = await current.spawn(processes, { concurrency });
      const log = await runRounds(current, group, rounds, (reports, message) => {
        expect(
          reports.flatMap((report) => report.failures),
          message,
        ).toEqual([]);
        expect(reports.reduce((sum, report) => sum + report.ok, 0)).toBe(processes * concurrency);
      });
      const { counters } = current.emulation;
      expect(counters.reuseDetections).toBe(0);
      expect(current.tokensUsed).toBeGreaterThanOrEqual(rounds);
      expect(counters.tokenCalls, log.join('\n')).toBe(current.tokensUsed);
      expect(counters.successfulRefreshes).toBe(current.tokensUsed);
    },
    60_000,
  );
});
