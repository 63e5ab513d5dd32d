/** Type test: the clients users already have fit the store's client interface without casts. */
import type { RedisClientLike } from '@tokenrelay/redis';
import Ioredis from 'ioredis';
import Ioredis5 from 'ioredis5';
import { createClient } from 'redis';
import { createClient as createClient5 } from 'redis5';

export const clients: readonly RedisClientLike[] = [
  createClient(),
  createClient({ RESP: 2 }),
  createClient5({ RESP: 3 }),
  createClient5(),
  new Ioredis({ lazyConnect: true }),
  new Ioredis({ lazyConnect: true, protocol: 3 }),
  new Ioredis5({ lazyConnect: true }),
];
