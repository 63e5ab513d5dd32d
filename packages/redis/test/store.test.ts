/**
 * The Redis store against a real redis-server, with every client of the matrix: fenced writes, namespaced keys,
 * encryption at rest, pub/sub delivery, and the lease lock (mutual exclusion, wake on release, watchdog, loss).
 */
import { randomUUID } from 'node:crypto';
import { LockError, StoreConflictError, type TokenSet } from '@tokenrelay/core';
import { createRedisStores, type RedisStores, redisStore } from '@tokenrelay/redis';
import { type RedisServer, startRedis } from '@tokenrelay/test-utils/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allClients, type ConnectedClient, rawCommand } from './clients.ts';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});

const tokens = (version: number | undefined, suffix = 'a'): TokenSet => ({
  accessToken: `access-${suffix}-secret`,
  refreshToken: `refresh-${suffix}-secret`,
  expiresAt: 1_000_000,
  ...(version === undefined ? {} : { version }),
});

const until = async (check: () => boolean, ms = 3_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe.each(allClients)('$name', (kind) => {
  const opened: ConnectedClient[] = [];
  const factories: RedisStores[] = [];
  const connect = async (): Promise<ConnectedClient> => {
    const connected = await kind.connect(server.url);
    opened.push(connected);
    return connected;
  };
  const stores = async (
    options: Partial<Parameters<typeof createRedisStores>[0]> = {},
  ): Promise<RedisStores> => {
    const { client } = await connect();
    const factory = createRedisStores({ client, ...options });
    factories.push(factory);
    return factory;
  };
  afterEach(async () => {
    for (const factory of factories.splice(0)) factory.close();
    await Promise.all(opened.splice(0).map((connected) => connected.close()));
  });

  it('reads what it wrote, refuses a write that is not newer, and clears only versions it names', async () => {
    const grant = randomUUID();
    const store = (await stores()).store(grant);
    expect(await store.get()).toBeUndefined();
    await store.set(tokens(1));
    expect(await store.get()).toEqual(tokens(1));
    const refused = await store.set(tokens(1, 'late')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreConflictError);
    expect(refused).toMatchObject({ attemptedVersion: 1, storedVersion: 1 });
    await store.set(tokens(2, 'b'));
    expect(await store.get()).toEqual(tokens(2, 'b'));
    const staleClear = await store.clear({ version: 1 }).catch((error: unknown) => error);
    expect(staleClear).toMatchObject({ name: 'StoreConflictError', storedVersion: 2 });
    expect(await store.get()).toEqual(tokens(2, 'b'));
    await store.clear({ version: 2 });
    expect(await store.get()).toBeUndefined();
    await store.set(tokens(undefined, 'c'));
    await store.set(tokens(undefined, 'd'));
    expect(await store.get()).toEqual(tokens(undefined, 'd'));
    await store.clear();
    expect(await store.get()).toBeUndefined();
  });

  it('keeps each grant under its own hash-tagged keys, encrypted at rest when asked', async () => {
    const { client } = await connect();
    const grant = 'user{42}';
    const shift = (text: string): string => Buffer.from(text).toString('base64');
    const store = redisStore({
      client,
      grant,
      prefix: `t-${randomUUID()}`,
      encrypt: shift,
      decrypt: (text) => Buffer.from(text, 'base64').toString(),
    });
    try {
      expect(store.keys.tokens).toMatch(/:\{user%7B42%7D\}:tokens$/);
      expect(store.keys.lock.replace(/:lock$/, '')).toBe(store.keys.tokens.replace(/:tokens$/, ''));
      await store.set(tokens(1));
      const other = (await stores()).store('user-43');
      expect(await other.get()).toBeUndefined();
      const stored = String(await rawCommand(client, ['HGET', store.keys.tokens, 'd']));
      expect(stored).not.toContain('access-a-secret');
      expect(stored).not.toContain('refresh-a-secret');
      expect(await store.get()).toEqual(tokens(1));
    } finally {
      store.close();
    }
  });

  it('delivers tokens another process writes (and their removal), not its own writes', async () => {
    const grant = randomUUID();
    const mine = (await stores()).store(grant);
    const theirs = (await stores()).store(grant);
    const seen: (TokenSet | undefined)[] = [];
    const unsubscribe = mine.subscribe((received) => seen.push(received));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await mine.set(tokens(1));
    await theirs.set(tokens(2, 'b'));
    await until(() => seen.length >= 1);
    await theirs.clear();
    await until(() => seen.length >= 2);
    expect(seen).toEqual([tokens(2, 'b'), undefined]);
    unsubscribe();
    await theirs.set(tokens(3, 'c'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(2);
  });

  it('lets one holder at a time run, and a waiter wakes on the release rather than its poll', async () => {
    const grant = randomUUID();
    // A poll of 5-6 s: a waiter that gets the lock sooner was woken by the release message.
    const options = { pollMinMs: 5_000, pollMaxMs: 6_000 };
    const holders = await Promise.all([stores(options), stores(options), stores(options)]);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    const startedAt = Date.now();
    await Promise.all(
      holders.map((factory, index) =>
        factory.store(grant).lock(async (held) => {
          inside += 1;
          most = Math.max(most, inside);
          await held.confirm();
          await new Promise((resolve) => setTimeout(resolve, 100));
          order.push(index);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(3);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it('times out an acquire with LockError(acquire-timeout), in bounded time', async () => {
    const grant = randomUUID();
    const holder = (await stores()).store(grant);
    const waiter = (await stores({ acquireTimeoutMs: 300 })).store(grant);
    let release = (): void => {};
    const held = holder.lock(() => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = Date.now();
    const error = await waiter.lock(async () => 'ran').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockError);
    expect(error).toMatchObject({ reason: 'acquire-timeout' });
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(new Error('request gone')), 100);
    const byCaller = await waiter
      .lock(async () => 'ran', { signal: aborted.signal })
      .catch((caught: unknown) => caught);
    expect(byCaller).toEqual(new Error('request gone'));
    release();
    await held;
    expect(await waiter.lock(async () => 'ran')).toBe('ran');
  });

  it('keeps the lease while the holder works past it, and signals a lost lock', async () => {
    const grant = randomUUID();
    const factory = await stores({ leaseMs: 300 });
    const other = (await stores({ acquireTimeoutMs: 200 })).store(grant);
    const store = factory.store(grant);
    await store.lock(async (held) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(held.signal.aborted).toBe(false);
      const stolen = await other.lock(async () => 'stolen').catch((error: unknown) => error);
      expect(stolen).toMatchObject({ reason: 'acquire-timeout' });
      await held.confirm();
    });
    // The lock key removed under the holder (as when its lease ran out during a pause): the next extension fails.
    const { client } = await connect();
    const lost = await store.lock(async (held) => {
      await ('call' in client
        ? client.call('DEL', store.keys.lock)
        : client.sendCommand(['DEL', store.keys.lock]));
      await until(() => held.signal.aborted, 2_000);
      expect(held.signal.reason).toMatchObject({ name: 'LockError', reason: 'lost' });
      return held.confirm().catch((error: unknown) => error);
    });
    expect(lost).toMatchObject({ name: 'LockError', reason: 'lost' });
  });
});
