/**
 * got's errors carry the request's options (headers, so the token, included) as an enumerable `options` field,
 * and got's `Options` prints its headers in `util.inspect` and `toJSON()`. A logger or `console.log(error)` would
 * then print the token. These make that field non-enumerable: `error.options` still reads as before,
 * it is only left out when the error is printed or serialized.
 */
import type { BeforeErrorHook } from 'got';

const hideOptions = (error: unknown): void => {
  if (typeof error !== 'object' || error === null) return;
  if (Object.getOwnPropertyDescriptor(error, 'options')?.enumerable) {
    Object.defineProperty(error, 'options', { enumerable: false });
  }
};

/** Errors got routes through its hooks: HTTP errors, errors thrown in hooks, network errors, timeouts. */
export const hideOptionsBeforeError: BeforeErrorHook = (error) => {
  hideOptions(error);
  return error;
};

/**
 * For a handler: passes on what `next()` returned, hiding `options` on anything a promise request rejects with,
 * aborts included (got skips `beforeError` for those). got copies the promise's own methods (`json()`, `on()`, ...)
 * onto the promise a handler returns, so they keep working and reject through it. One `then()` rather than an
 * `async` wrapper: a request pays for one derived promise, not for an async function's extra turns.
 */
export function hidingOptionsOnRejection<T>(result: T, isStream: boolean): T | Promise<Awaited<T>> {
  if (isStream) return result;
  return Promise.resolve(result).then(undefined, rethrowHidden);
}

const rethrowHidden = (error: unknown): never => {
  hideOptions(error);
  throw error;
};
