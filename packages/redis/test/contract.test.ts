/**
 * The shared `TokenStore` contract (test-utils/store-contract) against the Redis store, with every client of the
 * matrix. `open()` is another connection with its own store, as another process would have.
 */
import { randomUUID } from 'node:crypto';
import { createRedisStores } from '@tokenrelay/redis';
import { type RedisServer, startRedis } from '@tokenrelay/test-utils/redis';
import { runStoreContract } from '@tokenrelay/test-utils/store-contract';
import { afterAll, beforeAll, describe } from 'vitest';
import { allClients, type ConnectedClient, rawCommand } from './clients.ts';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server.stop();
});

describe.each(allClients)('$name', (kind) => {
  runStoreContract(
    'redisStore',
    async () => {
      const grant = randomUUID();
      // Lease 3 s: the watchdog checks every second, so a lost lock is noticed within about a second.
      const connections: ConnectedClient[] = [];
      const factories: ReturnType<typeof createRedisStores>[] = [];
      const open = async () => {
        const connected = await kind.connect(server.url);
        connections.push(connected);
        const factory = createRedisStores({ client: connected.client, leaseMs: 3_000 });
        factories.push(factory);
        return factory.store(grant);
      };
      const store = await open();
      return {
        store,
        open,
        // Another process takes the lock over, as after this holder's lease ran out during a pause.
        loseLock: async () => {
          const connected = connections[0];
          if (connected === undefined) throw new Error('no connection');
          await rawCommand(connected.client, ['SET', store.keys.lock, 'another-process', 'PX', '10000']);
        },
        cleanup: async () => {
          for (const factory of factories) factory.close();
          await Promise.all(connections.map((connected) => connected.close()));
        },
      };
    },
    { lock: true, subscribe: true, loseLock: true, lockLossNoticeMs: 5_000 },
  );
});
