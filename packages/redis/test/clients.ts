/**
 * The client matrix: node-redis 5 and 6 and ioredis 6 on RESP2 and RESP3, ioredis 5 on RESP2 (it has no RESP3).
 * Reconnects are bounded so that a test with Redis down ends.
 */
import type { RedisClientLike } from '@tokenrelay/redis';
import Ioredis from 'ioredis';
import Ioredis5 from 'ioredis5';
import { createClient } from 'redis';
import { createClient as createClient5 } from 'redis5';

export interface ConnectedClient {
  readonly client: RedisClientLike;
  close(): Promise<void>;
}

export interface ClientKind {
  readonly name: string;
  /** A connected client. */
  connect(url: string): Promise<ConnectedClient>;
  /** A client that starts connecting (and keeps trying, bounded per attempt) without being waited for. */
  open(url: string): ConnectedClient;
}

const reconnectStrategy = (retries: number): number => Math.min(50 * (retries + 1), 300);

type NodeRedisClient = RedisClientLike & {
  on(event: 'error', listener: (error: Error) => void): unknown;
  connect(): Promise<unknown>;
  destroy(): void;
};

const nodeRedis = (name: string, version: 5 | 6, RESP: 2 | 3): ClientKind => {
  const start = (url: string) => {
    const options = { url, RESP, socket: { reconnectStrategy, connectTimeout: 1_000 } };
    const client: NodeRedisClient = version === 6 ? createClient(options) : createClient5(options);
    client.on('error', () => {});
    const ready = client.connect();
    ready.catch(() => {});
    const connected: ConnectedClient = {
      client,
      close: async () => {
        if (client.isOpen) client.destroy();
      },
    };
    return { ready, connected };
  };
  return {
    name,
    async connect(url) {
      const { ready, connected } = start(url);
      await ready;
      return connected;
    },
    open: (url) => start(url).connected,
  };
};

const ioredis = (name: string, Client: typeof Ioredis, protocol: 2 | 3 | undefined): ClientKind => {
  const start = (url: string) => {
    const client = new Client(url, {
      ...(protocol === undefined ? {} : { protocol }),
      retryStrategy: reconnectStrategy,
      maxRetriesPerRequest: 2,
      connectTimeout: 1_000,
    });
    client.on('error', () => {});
    const ready = new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('end', () => reject(new Error('ioredis could not connect')));
    });
    ready.catch(() => {});
    const connected: ConnectedClient = {
      client,
      close: async () => {
        client.disconnect();
      },
    };
    return { ready, connected };
  };
  return {
    name,
    async connect(url) {
      const { ready, connected } = start(url);
      await ready;
      return connected;
    },
    open: (url) => start(url).connected,
  };
};

export const nodeRedis6Resp2: ClientKind = nodeRedis('node-redis 6 RESP2', 6, 2);
export const nodeRedis6Resp3: ClientKind = nodeRedis('node-redis 6 RESP3', 6, 3);
export const nodeRedis5Resp2: ClientKind = nodeRedis('node-redis 5 RESP2', 5, 2);
export const nodeRedis5Resp3: ClientKind = nodeRedis('node-redis 5 RESP3', 5, 3);
export const ioredis6Resp2: ClientKind = ioredis('ioredis 6 RESP2', Ioredis, 2);
export const ioredis6Resp3: ClientKind = ioredis('ioredis 6 RESP3', Ioredis, 3);
export const ioredis5Resp2: ClientKind = ioredis(
  'ioredis 5 RESP2',
  Ioredis5 as unknown as typeof Ioredis,
  undefined,
);

export const allClients: readonly ClientKind[] = [
  nodeRedis6Resp2,
  nodeRedis6Resp3,
  nodeRedis5Resp2,
  nodeRedis5Resp3,
  ioredis6Resp2,
  ioredis6Resp3,
  ioredis5Resp2,
];

/** Sends a raw command with either client (for tests that look at or change what Redis holds). */
export const rawCommand = (client: RedisClientLike, args: readonly string[]): Promise<unknown> => {
  if ('call' in client) {
    const [command = '', ...rest] = args;
    return client.call(command, ...rest);
  }
  return client.sendCommand(args);
};
