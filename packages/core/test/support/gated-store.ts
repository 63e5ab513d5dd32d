/**
 * A store with latency under the test's control: every operation waits until the test releases it. `ordered`
 * stores complete operations in call order (like `fileStore()` and Redis); unordered ones complete whichever
 * operation the test releases, as a store over a connection pool or an HTTP API may.
 */
import type { TokenSet, TokenStore } from '../../src/types.ts';

interface PendingOperation {
  readonly label: string;
  readonly run: () => void;
}

export interface GatedStore extends TokenStore {
  /** What the store holds now. */
  current(): TokenSet | undefined;
  /** Labels of the operations not yet completed, in call order (`set A2`, `clear`, `get`). */
  pending(): string[];
  /** Completes the pending operation at `index` (0: the oldest), then lets its callers run. */
  release(index?: number): Promise<void>;
  /** Completes every pending operation, oldest first, including those started meanwhile. */
  drain(): Promise<void>;
  /** Completes every pending operation, newest first: a store that does not keep call order. */
  drainNewestFirst(): Promise<void>;
}

export const flush = async (): Promise<void> => {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

export function gatedStore(initial?: TokenSet): GatedStore {
  let current = initial;
  const queue: PendingOperation[] = [];
  const enqueue = <T>(label: string, apply: () => T): Promise<T> =>
    new Promise<T>((resolve) => {
      queue.push({ label, run: () => resolve(apply()) });
    });
  return {
    get: () => enqueue('get', () => current),
    set: (tokens) =>
      enqueue(`set ${tokens.accessToken}`, () => {
        current = tokens;
      }),
    clear: () =>
      enqueue('clear', () => {
        current = undefined;
      }),
    current: () => current,
    pending: () => queue.map((operation) => operation.label),
    async release(index = 0) {
      const [operation] = queue.splice(index, 1);
      if (operation === undefined) throw new Error(`no pending store operation at ${index}`);
      operation.run();
      await flush();
    },
    async drain() {
      await flush();
      for (let guard = 0; queue.length > 0 && guard < 100; guard += 1) await this.release(0);
    },
    async drainNewestFirst() {
      await flush();
      for (let guard = 0; queue.length > 0 && guard < 100; guard += 1) await this.release(queue.length - 1);
    },
  };
}
