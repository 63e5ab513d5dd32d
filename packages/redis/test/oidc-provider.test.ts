/**
 * Acceptance against a real authorization server: oidc-provider (refresh-token rotation, reuse revokes the grant),
 * 2 s access tokens, its userinfo endpoint as the protected resource. 4 processes x 100 requests x 4 expiries share
 * one grant through Redis: token calls = expiries (distinct access tokens used), no reuse, no failed request.
 * Two clients (node-redis 6 on RESP2, ioredis 6 on RESP3) keep the file under half a minute.
 */
import { createRedisStores } from '@tokenrelay/redis';
import { type AuthServer, startAuthServer } from '@tokenrelay/test-utils/real-server';
import { type RedisServer, startRedis } from '@tokenrelay/test-utils/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ioredis6Resp3, nodeRedis6Resp2 } from './clients.ts';
import { sleep, startWorker, type Worker } from './processes.ts';

const TOKEN_TTL_S = 2;

let redis: RedisServer;
let auth: AuthServer;
const workers: Worker[] = [];
beforeAll(async () => {
  redis = await startRedis();
  auth = await startAuthServer({ accessTokenTtl: TOKEN_TTL_S });
});
afterAll(async () => {
  await auth.close();
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

describe('processes sharing one grant through Redis (oidc-provider)', () => {
  it.each([nodeRedis6Resp2, ioredis6Resp3])(
    '$name: 4 processes x 100 requests x 4 expiries: one token call per expiry, no reuse',
    async (kind) => {
      const grant = `oidc-${kind.name}`;
      const login = await auth.login();
      const connected = await kind.connect(redis.url);
      const stores = createRedisStores({ client: connected.client });
      await stores.store(grant).set({
        accessToken: login.accessToken,
        refreshToken: login.refreshToken,
        expiresAt: Date.now() - 1,
        version: 1,
      });
      stores.close();
      await connected.close();

      const config = {
        client: kind.name,
        redisUrl: redis.url,
        grant,
        tokenEndpoint: auth.tokenEndpoint,
        clientId: auth.client.clientId,
        clientSecret: auth.client.clientSecret,
        apiUrl: auth.userinfoUrl,
        concurrency: 100,
        leaseMs: 2_000,
        mode: 'normal' as const,
      };
      const group = await Promise.all(Array.from({ length: 4 }, () => startWorker(config)));
      workers.push(...group);
      // The workers' warm-up requests (no token) are userinfo errors; count from here.
      auth.resetEvents();
      const used = new Set<string>();
      for (let round = 0; round < 4; round += 1) {
        const reports = await Promise.all(group.map((worker) => worker.round()));
        const failures = reports.flatMap((report) => report.failures);
        expect(failures, `round ${round}: ${[...new Set(failures)].join(', ')}`).toEqual([]);
        expect(reports.reduce((sum, report) => sum + report.ok, 0)).toBe(400);
        for (const report of reports) for (const id of report.tokenIds) used.add(id);
        await sleep(TOKEN_TTL_S * 1_000 + 150);
      }
      const events = auth.events;
      expect(events['grant.revoked']).toBe(0);
      expect(events['grant.error']).toBe(0);
      // A request can reach the server after its token expired there (a round of 100 requests per process can
      // outlast the trusted lifetime on a loaded machine): a 401 `invalid_token` at userinfo, replayed once with the
      // refreshed token (every request above succeeded). Anything else the server logs is a failure.
      const unexpected = auth.errors.filter(
        (error) => !(error.event === 'userinfo.error' && error.error === 'invalid_token'),
      );
      expect(unexpected).toEqual([]);
      expect(used.size).toBeGreaterThanOrEqual(4);
      expect(events['refresh_token.consumed']).toBe(used.size);
      expect(events['grant.success']).toBe(used.size);
    },
    60_000,
  );
});
