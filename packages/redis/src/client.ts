/**
 * One tiny interface over the Redis client the user already has: node-redis (`redis` 5, 6) or ioredis (5, 6).
 * Commands go out as raw arguments (`sendCommand` / `call`), so replies look the same on both clients; the Lua
 * scripts answer integers only, because RESP2 and RESP3 differ on nil and false.
 */

/** The node-redis (`redis` 5 or 6) client methods the store uses; any connected `createClient()` fits. */
export interface NodeRedisClientLike {
  sendCommand(args: readonly string[]): Promise<unknown>;
  duplicate(): NodeRedisSubscriberLike;
  readonly isOpen: boolean;
}

/** A node-redis connection used for SUBSCRIBE (a `duplicate()` of the user's client). */
export interface NodeRedisSubscriberLike {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): void;
}

/** The ioredis (5 or 6) client methods the store uses; any `new Redis()` fits. */
export interface IoredisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(): IoredisSubscriberLike;
  readonly status: string;
}

/** An ioredis connection used for SUBSCRIBE (a `duplicate()` of the user's client). */
export interface IoredisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/** A node-redis or an ioredis client. The store never closes it: it belongs to the caller. */
export type RedisClientLike = NodeRedisClientLike | IoredisClientLike;

/** What the store needs from a client. */
export interface RedisCommands {
  /** Sends one command; the reply as the client parsed it (integers, strings, null, arrays). */
  send(args: readonly string[]): Promise<unknown>;
  /** Opens a dedicated subscriber connection whose messages go to `onMessage`. */
  subscriber(
    onMessage: (channel: string, message: string) => void,
    onError: (error: Error) => void,
  ): Subscriber;
}

export interface Subscriber {
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  close(): void;
}

const isIoredis = (client: RedisClientLike): client is IoredisClientLike =>
  typeof (client as Partial<IoredisClientLike>).call === 'function';

const fromNodeRedis = (client: NodeRedisClientLike): RedisCommands => ({
  send: (args) => client.sendCommand(args),
  subscriber(onMessage, onError) {
    const connection = client.duplicate();
    connection.on('error', onError);
    const connected = connection.connect();
    // A failed connect is reported through `subscribe()`'s rejection; never left unhandled.
    connected.catch(() => {});
    return {
      async subscribe(channel) {
        await connected;
        await connection.subscribe(channel, (message) => onMessage(channel, message));
      },
      async unsubscribe(channel) {
        await connected;
        await connection.unsubscribe(channel);
      },
      close: () => connection.destroy(),
    };
  },
});

const fromIoredis = (client: IoredisClientLike): RedisCommands => ({
  send: ([command, ...args]) => client.call(command ?? '', ...args),
  subscriber(onMessage, onError) {
    const connection = client.duplicate();
    connection.on('error', onError);
    connection.on('message', onMessage);
    return {
      async subscribe(channel) {
        await connection.subscribe(channel);
      },
      async unsubscribe(channel) {
        await connection.unsubscribe(channel);
      },
      close: () => connection.disconnect(),
    };
  },
});

/** Wraps a node-redis or ioredis client. */
export const redisCommands = (client: RedisClientLike): RedisCommands =>
  isIoredis(client) ? fromIoredis(client) : fromNodeRedis(client);
