/**
 * got's errors carry the request's options (headers, so the token, included) as an enumerable `options` field,
 * and got's `Options` prints its headers in `util.inspect` and `toJSON()`; a response body may echo the token. The
 * kit's `redactError` makes such an error safe for every logger; these apply it to what got hands the caller.
 */
import { redactError } from '@tokenrelay/core/adapter-kit';

/** The tokens a failed request sent, found from its error. */
export type TokensOf = (error: unknown) => readonly string[];

/** For `beforeError`: HTTP errors, errors thrown in hooks, network errors, timeouts. */
export const redactBeforeError =
  (tokensOf: TokensOf) =>
  <E>(error: E): E =>
    redactError(error, tokensOf(error));

/**
 * Whether a promise request can reject without got running `beforeError`: got skips it for an abort (the request
 * has a `signal`) and for got 14's `cancel()`. Asked after `next()`, so a signal that a later handler added counts.
 */
export function mayRejectUnseen(
  options: { readonly signal?: unknown } | undefined,
  result: unknown,
): boolean {
  return options?.signal != null || typeof (result as { cancel?: unknown } | null)?.cancel === 'function';
}

/**
 * For a handler: passes on what `next()` returned, redacting anything a promise request rejects with, aborts
 * included (got skips `beforeError` for those). got copies the promise's own methods (`json()`, `on()`, ...) onto
 * the promise a handler returns, so they keep working and reject through it. One `then()` rather than an `async`
 * wrapper: a request pays for one derived promise, not for an async function's extra turns.
 */
export function redactingOnRejection<T>(
  result: T,
  isStream: boolean,
  tokensOf: TokensOf,
): T | Promise<Awaited<T>> {
  if (isStream) return result;
  return Promise.resolve(result).then(undefined, (error: unknown) => {
    throw redactError(error, tokensOf(error));
  });
}
