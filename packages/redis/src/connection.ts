/**
 * The store's way to Redis: bounded commands, scripts by EVALSHA (EVAL when the server does not know them yet), and
 * one shared subscriber connection whose channels are reference-counted.
 */
import { type Clock, StoreError } from '@tokenrelay/core';
import { bounded, TimedOut } from './bounded.ts';
import type { RedisCommands, Subscriber } from './client.ts';
import type { Script } from './scripts.ts';

export interface Connection {
  /** One command, bounded by the command timeout and `signal`; a `StoreError` when Redis fails or is slow. */
  send(args: readonly string[], signal?: AbortSignal): Promise<unknown>;
  /** Runs a script; its integer reply. */
  run(
    script: Script,
    keys: readonly string[],
    args: readonly string[],
    signal?: AbortSignal,
  ): Promise<number>;
  /** Listens on `channel` until `stop()`; `ready` settles once the subscription is in place. */
  listen(channel: string, handler: (message: string) => void): Listening;
  close(): void;
}

export interface Listening {
  readonly ready: Promise<void>;
  stop(): void;
}

const isNoScript = (error: unknown): boolean => error instanceof Error && /^NOSCRIPT/.test(error.message);

const describe = (error: unknown): StoreError =>
  error instanceof TimedOut
    ? new StoreError(`Redis did not answer within ${error.ms} ms`, { cause: error })
    : new StoreError('A Redis command failed', { cause: error });

export function createConnection(
  commands: RedisCommands,
  options: {
    readonly clock: Clock;
    readonly commandTimeoutMs: number;
    readonly onError: (error: StoreError) => void;
  },
): Connection {
  const { clock, commandTimeoutMs, onError } = options;
  const handlers = new Map<string, Set<(message: string) => void>>();
  const subscriptions = new Map<string, Promise<void>>();
  let subscriber: Subscriber | undefined;
  let closed = false;

  const dispatch = (channel: string, message: string): void => {
    for (const handler of handlers.get(channel) ?? []) handler(message);
  };
  const reportSubscriberError = (error: Error): void =>
    onError(new StoreError('The Redis subscriber connection failed', { cause: error }));

  const send = async (args: readonly string[], signal?: AbortSignal): Promise<unknown> => {
    // Nothing is sent for a call nobody waits for any more.
    signal?.throwIfAborted();
    try {
      return await bounded(commands.send(args), commandTimeoutMs, clock, signal);
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw describe(error);
    }
  };

  const evaluate = async (script: Script, keys: readonly string[], args: readonly string[]) => {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await commands.send(['EVALSHA', script.sha, ...tail]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return commands.send(['EVAL', script.source, ...tail]);
    }
  };

  return {
    send,
    async run(script, keys, args, signal) {
      signal?.throwIfAborted();
      let reply: unknown;
      try {
        reply = await bounded(evaluate(script, keys, args), commandTimeoutMs, clock, signal);
      } catch (error) {
        if (signal?.aborted && error === signal.reason) throw error;
        throw describe(error);
      }
      if (typeof reply !== 'number') throw new StoreError('Redis answered a script with a non-integer');
      return reply;
    },
    listen(channel, handler) {
      if (closed) return { ready: Promise.reject(new StoreError('The Redis store was closed')), stop() {} };
      let set = handlers.get(channel);
      if (set === undefined) {
        set = new Set();
        handlers.set(channel, set);
      }
      set.add(handler);
      let subscribed = subscriptions.get(channel);
      if (subscribed === undefined) {
        subscriber ??= commands.subscriber(dispatch, reportSubscriberError);
        subscribed = bounded(subscriber.subscribe(channel), commandTimeoutMs, clock).catch((error) => {
          subscriptions.delete(channel);
          throw describe(error);
        });
        subscribed.catch(() => {});
        subscriptions.set(channel, subscribed);
      }
      const mine = set;
      return {
        ready: subscribed,
        stop() {
          mine.delete(handler);
          if (mine.size > 0 || handlers.get(channel) !== mine) return;
          handlers.delete(channel);
          subscriptions.delete(channel);
          subscriber?.unsubscribe(channel).catch(() => {});
        },
      };
    },
    close() {
      closed = true;
      handlers.clear();
      subscriptions.clear();
      subscriber?.close();
      subscriber = undefined;
    },
  };
}
