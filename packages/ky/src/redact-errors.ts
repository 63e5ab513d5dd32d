/**
 * ky's errors (`HTTPError`, `TimeoutError`, `NetworkError`) carry the failed `Request` as an enumerable `request`
 * field, and `util.inspect` prints a Request's headers: `console.log(error)` or a logger would print the token.
 * When that request carries the token header, the field is made non-enumerable: `error.request` still reads as
 * before, it is only left out when the error is printed or serialized.
 */

const isRequest = (value: unknown): value is Request =>
  value instanceof Request || Object.prototype.toString.call(value) === '[object Request]';

export function hideCredentialedRequest(error: Error, headerName: string): void {
  const field = Object.getOwnPropertyDescriptor(error, 'request');
  if (field?.enumerable !== true || !isRequest(field.value)) return;
  if (!field.value.headers.has(headerName)) return;
  Object.defineProperty(error, 'request', { enumerable: false });
}
