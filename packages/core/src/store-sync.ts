/**
 * The manager's side of the store: every call bounded by the store timeout and a signal, reads validated and never
 * taken for "no tokens" when they fail, writes in the order the manager issues them, conflicts told apart from
 * failures.
 */
import { isTokenRelayError, StoreError } from './errors.ts';
import { abortable } from './store-support.ts';
import { startTimer } from './timers.ts';
import type { Clock, TokenSet, TokenStore } from './types.ts';
import { tokenSetProblem } from './validate.ts';

/**
 * Are `candidate` tokens newer than `current`? By version when either has one (no version counts as 0, as stores
 * count it: unversioned tokens are never newer than versioned ones, so stale tokens left in a store after a failed
 * write are not adopted over the rotated ones in memory), else by their tokens.
 */
export function isNewer(candidate: TokenSet, current: TokenSet | undefined): boolean {
  if (current === undefined) return true;
  if (candidate.version !== undefined || current.version !== undefined)
    return (candidate.version ?? 0) > (current.version ?? 0);
  return candidate.accessToken !== current.accessToken || candidate.refreshToken !== current.refreshToken;
}

export type WriteOutcome = 'written' | 'conflict' | 'failed';

export interface StoreSync {
  /** The stored tokens, checked; rejects with a `StoreError` when the store fails, hangs or holds unusable data. */
  read(signal?: AbortSignal | undefined): Promise<TokenSet | undefined>;
  /** Writes after every earlier write or clear; never rejects (failures go to `onError`). */
  write(tokens: TokenSet): Promise<WriteOutcome>;
  /** Clears after every earlier write; `version`: only while the store holds at most that version. */
  clear(version: number | undefined): Promise<WriteOutcome>;
}

export interface StoreSyncOptions {
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** Aborted on `dispose()`: every pending store call is abandoned. */
  readonly signal: AbortSignal;
  readonly onError: (error: Error) => void;
}

const asStoreError = (error: unknown, what: string): Error =>
  isTokenRelayError(error, 'STORE') || isTokenRelayError(error, 'STORE_CONFLICT')
    ? (error as Error)
    : new StoreError(`The token store failed to ${what}`, { cause: error });

export function createStoreSync(store: TokenStore, options: StoreSyncOptions): StoreSync {
  const { clock, timeoutMs } = options;
  let tail: Promise<unknown> = Promise.resolve();

  /** Runs one store call with the store timeout and the given signals; the store gets a signal that says so. */
  const bounded = <T>(
    what: string,
    call: (signal: AbortSignal) => Promise<T>,
    signal?: AbortSignal | undefined,
  ): Promise<T> => {
    const controller = new AbortController();
    const signals = [options.signal, controller.signal, ...(signal === undefined ? [] : [signal])];
    const combined = AbortSignal.any(signals);
    if (combined.aborted) return Promise.reject(asStoreError(combined.reason, what));
    const stopTimer = startTimer(clock, timeoutMs, () =>
      controller.abort(new StoreError(`The token store did not ${what} within ${timeoutMs} ms`)),
    );
    // The timer goes when the call settles, or at once when a signal fires (so that `dispose()` leaves none).
    const cancel = (): void => {
      stopTimer();
      combined.removeEventListener('abort', cancel);
    };
    combined.addEventListener('abort', cancel, { once: true });
    // Called at once (a synchronous throw is a rejection), and given up on when the timeout or a signal fires.
    const pending = new Promise<T>((resolve) => resolve(call(combined)));
    return abortable(pending, combined).then(
      (value) => {
        cancel();
        return value;
      },
      (error: unknown) => {
        cancel();
        throw asStoreError(error, what);
      },
    );
  };

  const ordered = (what: string, call: (signal: AbortSignal) => Promise<void>): Promise<WriteOutcome> => {
    const done = tail.then(() =>
      bounded(what, call).then(
        (): WriteOutcome => 'written',
        (error: unknown): WriteOutcome => {
          if (isTokenRelayError(error, 'STORE_CONFLICT')) return 'conflict';
          options.onError(error as Error);
          return 'failed';
        },
      ),
    );
    tail = done;
    return done;
  };

  return {
    async read(signal) {
      const tokens = await bounded('read the tokens', (s) => store.get({ signal: s }), signal);
      if (tokens === undefined) return undefined;
      const problem = tokenSetProblem(tokens);
      if (problem !== undefined) throw new StoreError(`The token store returned unusable tokens: ${problem}`);
      return tokens;
    },
    write: (tokens) => ordered('write the tokens', (signal) => store.set(tokens, { signal })),
    clear: (version) =>
      ordered('clear the tokens', (signal) =>
        store.clear(version === undefined ? { signal } : { signal, version }),
      ),
  };
}
