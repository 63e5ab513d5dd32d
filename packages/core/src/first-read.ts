/**
 * The manager's first read of its store: started by the first request that needs it, shared by every request that
 * arrives before it settles (each waits as long as any wait may, and no longer than its signal allows). A failed
 * read is not "no tokens": its waiters get the error and the next request reads again.
 */
import type { TokenSet } from './types.ts';
import { createWaiterQueue, type WaiterQueueOptions } from './waiter-queue.ts';

export interface FirstRead {
  /** The store was read (or its content no longer matters). */
  readonly loaded: boolean;
  /** Starts the read unless it runs already, and waits for it. */
  wait(signal: AbortSignal | undefined, timeoutMs?: number | undefined): Promise<void>;
  /** For `setTokens` and `clear`, which make the store's old content irrelevant: no read after them. */
  skip(): void;
  /** Rejects every request still waiting (the manager was disposed). */
  rejectAll(error: unknown): void;
}

export function createFirstRead(options: {
  readonly read: () => Promise<TokenSet | undefined>;
  /** Already loaded: the manager was given tokens, so the store's are not waited for. */
  readonly loaded: boolean;
  readonly queue: WaiterQueueOptions;
  /** What was read, before the waiting requests go on. */
  readonly onRead: (tokens: TokenSet | undefined) => void;
  readonly onError: (error: Error) => void;
}): FirstRead {
  const readers = createWaiterQueue<void>(options.queue);
  let loaded = options.loaded;
  let loading = false;
  const load = (): void => {
    if (loaded || loading) return;
    loading = true;
    options.read().then(
      (tokens) => {
        loading = false;
        loaded = true;
        options.onRead(tokens);
        readers.resolveAll(undefined);
      },
      (error: unknown) => {
        loading = false;
        options.onError(error as Error);
        readers.rejectAll(error);
      },
    );
  };
  return {
    get loaded() {
      return loaded;
    },
    wait(signal, timeoutMs) {
      const read = readers.wait(signal, timeoutMs);
      load();
      return read;
    },
    skip() {
      loaded = true;
      if (loading) readers.resolveAll(undefined);
    },
    rejectAll: (error) => readers.rejectAll(error),
  };
}
