import { randomBytes } from 'node:crypto';
import {
  type Clock,
  ConfigurationError,
  type StoreCallOptions,
  StoreConflictError,
  StoreError,
  systemClock,
  type TokenSet,
  type TokenStore,
} from '@tokenrelay/core';
import { type RedisClientLike, redisCommands } from './client.ts';
import { type Connection, createConnection } from './connection.ts';
import { type LockSettings, type LockTarget, withLock } from './lock.ts';
import { CLEAR_TOKENS, SET_TOKENS } from './scripts.ts';

export interface RedisStoresOptions {
  /** A connected node-redis (`redis` 5, 6) or ioredis (5, 6) client. It stays yours: `close()` leaves it open. */
  readonly client: RedisClientLike;
  /** Key prefix. Default `tokenrelay`. Keys are `<prefix>:{<grant>}:tokens` and `<prefix>:{<grant>}:lock`. */
  readonly prefix?: string | undefined;
  /** Lock lease; a watchdog extends it every third of it while the refresh runs. Default 10_000 ms. */
  readonly leaseMs?: number | undefined;
  /** Longest wait for the lock before `LockError('acquire-timeout')`. Default 10_000 ms. */
  readonly acquireTimeoutMs?: number | undefined;
  /** Longest wait for one Redis command before a `StoreError` (or `LockError('unavailable')`). Default 2_000 ms. */
  readonly commandTimeoutMs?: number | undefined;
  /** A waiter re-tries the lock after a random delay in [min, max] when no release message woke it. Default 50-250 ms. */
  readonly pollMinMs?: number | undefined;
  readonly pollMaxMs?: number | undefined;
  /** Encrypts the serialized tokens before they are written (tokens at rest); `decrypt` undoes it. */
  readonly encrypt?: ((plaintext: string) => string | Promise<string>) | undefined;
  readonly decrypt?: ((ciphertext: string) => string | Promise<string>) | undefined;
  /** Errors nobody awaits (the subscriber connection, a message that could not be read). Never contains a token. */
  readonly onError?: ((error: StoreError) => void) | undefined;
  readonly clock?: Clock | undefined;
  /** Randomness for the poll jitter, in [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined;
}

/** A `TokenStore` for one grant in Redis, with the lock and subscription it coordinates processes with. */
export interface RedisTokenStore extends TokenStore {
  lock: NonNullable<TokenStore['lock']>;
  subscribe: NonNullable<TokenStore['subscribe']>;
  /** The Redis keys and channel of this grant. */
  readonly keys: { readonly tokens: string; readonly lock: string; readonly channel: string };
}

/** Stores for many grants over one client and one shared subscriber connection. */
export interface RedisStores {
  /** The store of one grant (a user, tenant, or client+scope); every grant has its own keys and lock. */
  store(grant: string): RedisTokenStore;
  /** Closes the subscriber connection (not the client). Stores cannot be used afterwards. */
  close(): void;
}

/** Messages on a grant's channel: tokens written, tokens cleared, lock released. */
type Message =
  | { readonly t: 'set'; readonly from: string; readonly d: string }
  | { readonly t: 'clear'; readonly from: string }
  | { readonly t: 'released' };

const positive = (value: number | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number`);
  return value;
};

const parseTokens = (text: string): TokenSet => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StoreError('The stored tokens are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as TokenSet).accessToken !== 'string') {
    throw new StoreError('The stored tokens have no access token');
  }
  return parsed as TokenSet;
};

/** Creates stores for many grants over one Redis client. */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  const clock = options.clock ?? systemClock();
  const leaseMs = positive(options.leaseMs, 10_000, 'leaseMs');
  const pollMinMs = positive(options.pollMinMs, 50, 'pollMinMs');
  const settings: LockSettings = {
    leaseMs,
    acquireTimeoutMs: positive(options.acquireTimeoutMs, 10_000, 'acquireTimeoutMs'),
    pollMinMs,
    pollMaxMs: Math.max(pollMinMs, positive(options.pollMaxMs, 250, 'pollMaxMs')),
    clock,
    random: options.random ?? Math.random,
  };
  const prefix = options.prefix ?? 'tokenrelay';
  const onError = options.onError ?? (() => {});
  const encrypt = options.encrypt ?? ((text: string) => text);
  const decrypt = options.decrypt ?? ((text: string) => text);
  const connection: Connection = createConnection(redisCommands(options.client), {
    clock,
    commandTimeoutMs: positive(options.commandTimeoutMs, 2_000, 'commandTimeoutMs'),
    onError,
  });

  const store = (grant: string): RedisTokenStore => {
    if (typeof grant !== 'string' || grant === '') throw new ConfigurationError('A grant key is required');
    // The hash tag `{...}` keeps every key of a grant in one Cluster slot; braces in the grant are escaped.
    const base = `${prefix}:{${encodeURIComponent(grant)}}`;
    const keys = { tokens: `${base}:tokens`, lock: `${base}:lock`, channel: `${base}:events` };
    const self = randomBytes(8).toString('hex');
    const released = JSON.stringify({ t: 'released' } satisfies Message);
    const target: LockTarget = {
      key: keys.lock,
      channel: keys.channel,
      releasedMessage: released,
      onReleased: (wake) =>
        connection.listen(keys.channel, (message) => {
          if (message === released) wake();
        }),
    };
    const readData = async (data: string): Promise<TokenSet> => {
      let text: string;
      try {
        text = await decrypt(data);
      } catch (error) {
        throw new StoreError('The stored tokens could not be decrypted', { cause: error });
      }
      return parseTokens(text);
    };
    const conflict = (attempted: number | undefined, stored: number): StoreConflictError =>
      new StoreConflictError(attempted, stored);

    const read = async (callOptions?: StoreCallOptions): Promise<TokenSet | undefined> => {
      const reply = await connection.send(['HMGET', keys.tokens, 'v', 'd'], callOptions?.signal);
      const data = Array.isArray(reply) ? (reply[1] as unknown) : undefined;
      if (data === null || data === undefined) return undefined;
      if (typeof data !== 'string') throw new StoreError('Redis answered with an unexpected reply');
      return readData(data);
    };

    return {
      keys,
      get: read,
      async set(tokens, callOptions) {
        let data: string;
        try {
          data = await encrypt(JSON.stringify(tokens));
        } catch (error) {
          throw new StoreError('The tokens could not be encrypted', { cause: error });
        }
        const message = JSON.stringify({ t: 'set', from: self, d: data } satisfies Message);
        const version = tokens.version === undefined ? '' : String(tokens.version);
        const reply = await connection.run(
          SET_TOKENS,
          [keys.tokens],
          [version, data, keys.channel, message],
          callOptions?.signal,
        );
        if (reply >= 0) throw conflict(tokens.version, reply);
      },
      async clear(callOptions) {
        const message = JSON.stringify({ t: 'clear', from: self } satisfies Message);
        const version = callOptions?.version === undefined ? '' : String(callOptions.version);
        const reply = await connection.run(
          CLEAR_TOKENS,
          [keys.tokens],
          [version, keys.channel, message],
          callOptions?.signal,
        );
        if (reply >= 0) throw conflict(callOptions?.version, reply);
      },
      lock: (fn, callOptions) => withLock(connection, target, settings, fn, callOptions),
      subscribe(listener) {
        // Messages are read in order, also when `decrypt` is asynchronous.
        let queue = Promise.resolve();
        const stopped = false;
        const listening = connection.listen(keys.channel, (text) => {
          let message: Message;
          try {
            message = JSON.parse(text) as Message;
          } catch {
            return;
          }
          if (message.t === 'released' || message.from === self) return;
          queue = queue.then(async () => {
            try {
              if (!stopped) listener(message.t === 'clear' ? undefined : await readData(message.d));
            } catch (error) {
              onError(
                error instanceof StoreError ? error : new StoreError('A listener failed', { cause: error }),
              );
            }
          });
        });
        // Writes made before the subscription was in place are not heard: read once when it is, and pass on what
        // is stored (never "nothing", which a listener would take for a logout).
        listening.ready.then(
          () => {
            queue = queue.then(async () => {
              try {
                const stored = await read();
                if (stored !== undefined && !stopped) listener(stored);
              } catch (error) {
                onError(
                  error instanceof StoreError ? error : new StoreError('A listener failed', { cause: error }),
                );
              }
            });
          },
          (error: unknown) =>
            onError(
              error instanceof StoreError ? error : new StoreError('Subscribing failed', { cause: error }),
            ),
        );
        return () => listening.stop();
      },
    };
  };

  return { store, close: () => connection.close() };
}

export interface RedisStoreOptions extends RedisStoresOptions {
  /** The grant these tokens belong to (e.g. a user id); it names the keys and the lock. */
  readonly grant: string;
}

/** One grant's store, with its own subscriber connection; `close()` releases that connection. */
export function redisStore(options: RedisStoreOptions): RedisTokenStore & { close(): void } {
  const stores = createRedisStores(options);
  return Object.assign(stores.store(options.grant), { close: () => stores.close() });
}
