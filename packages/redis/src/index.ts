export type {
  IoredisClientLike,
  IoredisSubscriberLike,
  NodeRedisClientLike,
  NodeRedisSubscriberLike,
  RedisClientLike,
} from './client.ts';
export {
  createRedisStores,
  type RedisStoreOptions,
  type RedisStores,
  type RedisStoresOptions,
  type RedisTokenStore,
  redisStore,
} from './store.ts';
