/**
 * What every store shares: the version check (a fence) and honouring a caller's `AbortSignal`.
 */
import { StoreConflictError } from './errors.ts';
import type { TokenSet } from './types.ts';

/** The version a store compares: unversioned tokens count as 0. */
export const versionOf = (tokens: TokenSet | undefined): number => tokens?.version ?? 0;

/**
 * The `StoreConflictError` a write of `next` over `stored` must fail with, or `undefined` when it may go ahead.
 * An unversioned write is unconditional; an empty store takes any write.
 */
export function writeConflict(stored: TokenSet | undefined, next: TokenSet): StoreConflictError | undefined {
  if (next.version === undefined || stored === undefined) return undefined;
  return next.version > versionOf(stored)
    ? undefined
    : new StoreConflictError(next.version, versionOf(stored));
}

/** The `StoreConflictError` a `clear({ version })` must fail with while the store holds newer tokens. */
export function clearConflict(
  stored: TokenSet | undefined,
  version: number | undefined,
): StoreConflictError | undefined {
  if (version === undefined || stored === undefined) return undefined;
  return versionOf(stored) > version ? new StoreConflictError(version, versionOf(stored)) : undefined;
}

/** `work`, unless `signal` aborts first: then the signal's reason. `work` itself is not stopped. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
