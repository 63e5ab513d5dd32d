export { freePort, type RedisServer, redisServerBinary, startRedis } from './server.ts';
export { type Partition, startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
