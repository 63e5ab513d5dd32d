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
 * onto the promise a handler returns, so they keep working and reject through it.
 */
export function hidingOptionsOnRejection<T>(result: T, isStream: boolean): T | Promise<T> {
  if (isStream) return result;
  return (async () => {
    try {
      return await result;
    } catch (error) {
      hideOptions(error);
      throw error;
    }
  })();
}
