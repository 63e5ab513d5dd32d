/**
 * Acceptance under faults, with real child processes and a real redis-server: the lock holder SIGKILLed or
 * SIGSTOPped, Redis 200 ms further away, Redis restarted mid-run. Each scenario runs with one client of the matrix
 * (a different one each), which keeps the file short; the store-level fault tests cover every client.
 */
import { type RedisServer, startRedis, startTcpProxy, type TcpProxy } from '@tokenrelay/test-utils/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ioredis5Resp2, ioredis6Resp2, ioredis6Resp3, nodeRedis5Resp2, nodeRedis6Resp2 } from './clients.ts';
import { sleep } from './processes.ts';
import { createScenario, runRounds, type Scenario } from './scenario.ts';

const LEASE_MS = 1_500;

let redis: RedisServer;
let scenario: Scenario | undefined;
let proxy: TcpProxy | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
  await proxy?.close();
  proxy = undefined;
});

describe('a lock holder that dies or stalls', () => {
  it(`SIGKILLed before the server saw its request: another process refreshes within the lease, one token call (${nodeRedis5Resp2.name})`, async () => {
    const current = await createScenario(nodeRedis5Resp2, redis.url, { leaseMs: LEASE_MS });
    scenario = current;
    const [holder] = await current.spawn(1, { concurrency: 5, mode: 'stall-before-request' });
    const [other] = await current.spawn(1, { concurrency: 5 });
    if (holder === undefined || other === undefined) throw new Error('workers did not start');
    holder.child.send({ type: 'round' });
    await holder.next('holding');
    holder.child.kill('SIGKILL');
    const killedAt = Date.now();
    const report = await other.round(10_000);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(5);
    // The other process waited for the dead holder's lease, not longer.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 2_000);
    expect(current.emulation.counters.tokenCalls).toBe(1);
    expect(current.emulation.counters.reuseDetections).toBe(0);
  });

  it(`SIGKILLed after the server rotated, before the store write: ReauthRequiredError in every process, then no token calls (${ioredis6Resp2.name})`, async () => {
    const current = await createScenario(ioredis6Resp2, redis.url, { leaseMs: LEASE_MS });
    scenario = current;
    const [holder] = await current.spawn(1, { concurrency: 3, mode: 'stall-after-rotation' });
    const others = await current.spawn(3, { concurrency: 3 });
    if (holder === undefined) throw new Error('workers did not start');
    holder.child.send({ type: 'round' });
    await holder.next('holding');
    holder.child.kill('SIGKILL');
    // The others can only present the refresh token the store has, which the server already rotated away.
    const reports = await current.round(others);
    for (const report of reports) {
      expect(report.ok).toBe(0);
      expect(new Set(report.failures)).toEqual(new Set(['ReauthRequiredError:REAUTH_REQUIRED']));
    }
    const calls = current.emulation.counters.tokenCalls;
    expect(calls).toBe(2);
    expect(current.emulation.counters.reuseDetections).toBe(1);
    // No loop: later requests fail at once, with no token call.
    await sleep(500);
    const again = await current.round(others);
    for (const report of again)
      expect(new Set(report.failures)).toEqual(new Set(['ReauthRequiredError:REAUTH_REQUIRED']));
    expect(current.emulation.counters.tokenCalls).toBe(calls);
  });

  it(`SIGSTOPped past its lease, then SIGCONT: no token request from it, its late write refused, it adopts (${ioredis5Resp2.name})`, async () => {
    // Tokens of 30 s: the one the other process gets is still fresh when this one wakes up, so any token request
    // from it would be the stale one.
    const current = await createScenario(ioredis5Resp2, redis.url, { leaseMs: LEASE_MS, tokenTtlMs: 30_000 });
    scenario = current;
    const [holder] = await current.spawn(1, { concurrency: 5, mode: 'pause-in-lock' });
    const [other] = await current.spawn(1, { concurrency: 5 });
    if (holder === undefined || other === undefined) throw new Error('workers did not start');
    holder.child.send({ type: 'round' });
    await holder.next('holding');
    holder.child.kill('SIGSTOP');
    let otherSerials: readonly number[] = [];
    try {
      const report = await other.round(10_000);
      expect(report.failures).toEqual([]);
      otherSerials = report.tokenSerials;
      expect(current.emulation.counters.tokenCalls).toBe(1);
      await sleep(LEASE_MS);
    } finally {
      holder.child.kill('SIGCONT');
    }
    const late = await holder.next('late-write', 10_000);
    expect(late).toMatchObject({ refused: true, error: 'StoreConflictError:STORE_CONFLICT' });
    const resumed = await holder.next('round-done', 10_000);
    expect(resumed.failures).toEqual([]);
    expect(resumed.ok).toBe(5);
    expect(resumed.tokenRequests).toBe(0);
    // It adopted the token the other process got: the one the server issued for that refresh.
    expect(resumed.tokenSerials).toEqual(otherSerials);
    expect(current.emulation.counters.tokenCalls).toBe(1);
    expect(current.emulation.counters.reuseDetections).toBe(0);
  });
});

describe('Redis slow or restarted', () => {
  it(`+200 ms round trip to Redis: still one token call per expiry (${nodeRedis6Resp2.name})`, async () => {
    proxy = await startTcpProxy(redis.port);
    // 100 ms each way: every Redis command takes 200 ms longer.
    proxy.latencyMs = 100;
    const current = await createScenario(nodeRedis6Resp2, redis.url);
    scenario = current;
    const group = await current.spawn(4, { concurrency: 20, redisUrl: proxy.url });
    const log = await runRounds(current, group, 3, (reports, message) => {
      expect(
        reports.flatMap((report) => report.failures),
        message,
      ).toEqual([]);
    });
    expect(current.emulation.counters.reuseDetections).toBe(0);
    expect(current.tokensUsed).toBeGreaterThanOrEqual(3);
    expect(current.emulation.counters.tokenCalls, log.join('\n')).toBe(current.tokensUsed);
  });

  it(`restarted mid-run: typed errors or success, no hang, then one refresh per expiry again (${ioredis6Resp3.name})`, async () => {
    const current = await createScenario(ioredis6Resp3, redis.url);
    scenario = current;
    const group = await current.spawn(4, { concurrency: 20 });
    await runRounds(current, group, 2, (reports, message) => {
      expect(
        reports.flatMap((report) => report.failures),
        message,
      ).toEqual([]);
    });
    // Killed and started again, empty (no persistence): the processes still hold the tokens in memory.
    await redis.restart();
    const during = await current.round(group);
    for (const failure of during.flatMap((report) => report.failures)) {
      expect(failure, 'a failure during the restart is a typed error').toMatch(/^[A-Za-z]+Error:[A-Z_]+$/);
    }
    await sleep(1_150);
    const callsBefore = current.emulation.counters.tokenCalls;
    const after = await current.round(group);
    expect(after.flatMap((report) => report.failures)).toEqual([]);
    expect(current.emulation.counters.tokenCalls - callsBefore).toBe(1);
    expect(current.emulation.counters.reuseDetections).toBe(0);
  });
});
