import type { Clock } from '@tokenrelay/core';

/** Marks a Redis call that did not answer in time. */
export class TimedOut extends Error {
  override name = 'TimedOut';
  readonly ms: number;
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.ms = ms;
  }
}

/**
 * Waits for `work` at most `ms` and no longer than `signal` allows: rejects with `TimedOut`, or with the signal's
 * reason. The work itself goes on (a Redis command cannot be taken back); its outcome is then ignored.
 */
export function bounded<T>(
  work: Promise<T>,
  ms: number,
  clock: Clock,
  signal?: AbortSignal | undefined,
): Promise<T> {
  if (signal?.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(
      () => {
        done();
        reject(new TimedOut(ms));
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** Resolves after `ms`, or early when `wake` is called or `signal` aborts (never rejects). */
export function sleep(
  ms: number,
  clock: Clock,
  signal?: AbortSignal | undefined,
): {
  readonly done: Promise<void>;
  wake(): void;
} {
  let wake = (): void => {};
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      resolve();
    };
    const timer = clock.setTimeout(finish, Math.max(0, ms));
    signal?.addEventListener('abort', finish, { once: true });
    wake = finish;
  });
  return { done, wake: () => wake() };
}
