/**
 * Redis down, slow, unreachable at start, restarted: every call ends with a typed error (or success) within bounded
 * time, a held lock is signalled lost, and the store works again once Redis is back.
 */
import { randomUUID } from 'node:crypto';
import { isTokenRelayError, type TokenSet } from '@tokenrelay/core';
import { createRedisStores, type RedisStores } from '@tokenrelay/redis';
import { type RedisServer, startRedis, startTcpProxy, type TcpProxy } from '@tokenrelay/test-utils/redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { allClients, type ConnectedClient } from './clients.ts';

let server: RedisServer;
let proxy: TcpProxy;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(async () => {
  proxy = await startTcpProxy(server.port);
});
afterEach(async () => {
  await proxy.close();
});

const COMMAND_TIMEOUT_MS = 300;
const tokens = (version: number): TokenSet => ({ accessToken: `at-${version}-secret`, version });

/** How a call ended and how long it took. */
const outcome = async (call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
  const startedAt = Date.now();
  try {
    await call();
    return { error: undefined, ms: Date.now() - startedAt };
  } catch (error) {
    return { error, ms: Date.now() - startedAt };
  }
};

const eventually = async <T>(call: () => Promise<T>, ms = 5_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
};

describe.each(allClients)('$name', (kind) => {
  let connected: ConnectedClient;
  let stores: RedisStores;
  beforeEach(async () => {
    connected = await kind.connect(proxy.url);
    stores = createRedisStores({
      client: connected.client,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      leaseMs: 600,
    });
  });
  afterEach(async () => {
    stores.close();
    await connected.close();
  });

  it('answers typed errors within bounded time while Redis is silent, and works again after', async () => {
    const store = stores.store(randomUUID());
    await store.set(tokens(1));
    proxy.partition('blackhole');
    for (const call of [() => store.get(), () => store.set(tokens(2))]) {
      const { error, ms } = await outcome(call);
      expect(error).toMatchObject({ name: 'StoreError', code: 'STORE' });
      expect(ms).toBeLessThan(COMMAND_TIMEOUT_MS + 700);
      expect(JSON.stringify(error)).not.toContain('secret');
    }
    const locked = await outcome(() => store.lock(async () => 'ran'));
    expect(locked.error).toMatchObject({ name: 'LockError', reason: 'unavailable' });
    expect(locked.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 700);
    proxy.heal();
    // Nothing was lost: the tokens written before the partition, or the write that timed out (a client may send
    // it again once connected: a timed-out write is undecided, and the fence keeps it from replacing newer ones).
    expect([tokens(1), tokens(2)]).toContainEqual(await eventually(() => store.get()));
  });

  it('signals a held lock lost when its lease cannot be extended, and confirm() refuses', async () => {
    const store = stores.store(randomUUID());
    const result = await store.lock(async (held) => {
      await held.confirm();
      proxy.partition('refuse');
      const startedAt = Date.now();
      while (!held.signal.aborted && Date.now() - startedAt < 3_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { lostAfter: Date.now() - startedAt, confirmed: await outcome(() => held.confirm()) };
    });
    expect(result.lostAfter).toBeLessThan(1_500);
    expect(result.confirmed.error).toMatchObject({ name: 'LockError' });
    proxy.heal();
  });

  it('answers typed errors when Redis is unreachable at start, then succeeds once it is up', async () => {
    const grant = randomUUID();
    await stores.store(grant).set(tokens(3));
    proxy.partition('refuse');
    const late = kind.open(proxy.url);
    const lateStores = createRedisStores({ client: late.client, commandTimeoutMs: COMMAND_TIMEOUT_MS });
    const store = lateStores.store(grant);
    const read = await outcome(() => store.get());
    expect(isTokenRelayError(read.error, 'STORE')).toBe(true);
    expect(read.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 700);
    const locked = await outcome(() => store.lock(async () => 'ran'));
    expect(locked.error).toMatchObject({ name: 'LockError', reason: 'unavailable' });
    proxy.heal();
    expect(await eventually(() => store.get())).toEqual(tokens(3));
    lateStores.close();
    await late.close();
  });
});

describe('redis-server restarted mid-run', () => {
  it.each(allClients)(
    '$name: typed errors or success during the restart, then normal service',
    async (kind) => {
      const connected = await kind.connect(server.url);
      const stores = createRedisStores({ client: connected.client, commandTimeoutMs: COMMAND_TIMEOUT_MS });
      try {
        const store = stores.store(randomUUID());
        await store.set(tokens(1));
        const restarting = server.restart();
        const during = await outcome(() => store.get());
        if (during.error !== undefined) expect(isTokenRelayError(during.error)).toBe(true);
        expect(during.ms).toBeLessThan(COMMAND_TIMEOUT_MS + 700);
        await restarting;
        // No persistence: the restarted server is empty. The store says so (never an error read as "no tokens"),
        // the lock works, and a write lands.
        expect(await eventually(() => store.get())).toBeUndefined();
        expect(await eventually(() => store.lock(async () => 'ran'))).toBe('ran');
        await store.set(tokens(2));
        expect(await store.get()).toEqual(tokens(2));
      } finally {
        stores.close();
        await connected.close();
      }
    },
  );
});
