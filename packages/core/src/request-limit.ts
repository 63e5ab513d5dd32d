/**
 * A request's own limit on its wait for a token (`timeoutMs`, what an adapter passes for the client's timeout),
 * whatever manager the adapter was handed. A manager this core made (or a pool's handle on one) enforces it with the
 * one timer its queue holds for every waiting request, and says so with a mark. Any other (a manager-like object a
 * resolver returns, a manager from another copy of an older core) may not know `timeoutMs`: the wait is then bounded
 * here, with a timer of its own, so that the client's timeout holds with every manager.
 */
import { WaitTimeoutError } from './errors.ts';
import type { AccessToken, GetAccessTokenOptions, RefreshOptions, TokenManager } from './types.ts';

/** On every manager that ends a wait at the request's own `timeoutMs` (global, so another copy of the core sees it). */
const ENFORCES_TIMEOUT_MS = Symbol.for('@tokenrelay/core.enforcesTimeoutMs');

type Marked = { readonly [ENFORCES_TIMEOUT_MS]?: unknown };

/**
 * Marks `manager` (not enumerable: loggers and `JSON` never see it) as one that enforces `timeoutMs`, as long as
 * `enforces()` says so.
 */
export function markEnforcesTimeoutMs<T extends object>(manager: T, enforces?: () => boolean): T {
  return Object.defineProperty(
    manager,
    ENFORCES_TIMEOUT_MS,
    enforces === undefined ? { value: true } : { get: enforces },
  );
}

/** Whether `manager` says it ends a wait at the request's own `timeoutMs`. */
export const enforcesTimeoutMs = (manager: TokenManager): boolean =>
  (manager as TokenManager & Marked)[ENFORCES_TIMEOUT_MS] === true;

/** `wait(options)`, with `options.timeoutMs` enforced here when the manager does not say it enforces it. */
function within<O extends GetAccessTokenOptions>(
  manager: TokenManager,
  options: O,
  wait: (options: O) => Promise<AccessToken>,
): Promise<AccessToken> {
  const { timeoutMs } = options;
  if (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY || enforcesTimeoutMs(manager)) {
    return wait(options);
  }
  // The wait is also aborted when the limit runs out, so that such a manager lets go of it too.
  const limit = new AbortController();
  const signal =
    options.signal === undefined ? limit.signal : AbortSignal.any([options.signal, limit.signal]);
  return new Promise<AccessToken>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        const error = new WaitTimeoutError(timeoutMs, 'request');
        reject(error);
        limit.abort(error);
      },
      Math.max(0, timeoutMs),
    );
    Promise.resolve(wait({ ...options, signal })).then(
      (token) => {
        clearTimeout(timer);
        resolve(token);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * What is left at `now` of a budget of `budgetMs` for a call that began at `startedAt` (both on the same clock:
 * `Date.now()` unless given), for `timeoutMs`; the whole budget when the call's start is unknown.
 */
export const timeLeft = (
  budgetMs: number,
  startedAt: number | undefined,
  now: number = Date.now(),
): number => (startedAt === undefined ? budgetMs : Math.max(0, budgetMs - (now - startedAt)));

/** `manager.getAccessToken(options)`, ended by `options.timeoutMs` with every manager (see the top of this file). */
export const getAccessTokenWithin = (
  manager: TokenManager,
  options: GetAccessTokenOptions,
): Promise<AccessToken> => within(manager, options, (o) => manager.getAccessToken(o));

/** `manager.refresh(options)`, ended by `options.timeoutMs` with every manager (see the top of this file). */
export const refreshWithin = (manager: TokenManager, options: RefreshOptions): Promise<AccessToken> =>
  within(manager, options, (o) => manager.refresh(o));
