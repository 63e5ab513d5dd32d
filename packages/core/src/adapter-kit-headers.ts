/**
 * What a request's headers may carry: a token header value that is safe to put on the wire, and the headers a hop
 * to another origin (a redirect, a retry pointed elsewhere) drops. One rule for every adapter.
 */

import type { OriginPolicy } from './adapter-kit-origins.ts';
import { originOf } from './adapter-kit-origins.ts';
import { ConfigurationError } from './errors.ts';

/**
 * Header field values (RFC 9110 section 5.5): visible ASCII, space, tab and obs-text. CR, LF, NUL and the other
 * control characters are refused by fetch with an error that quotes the value, and silently mangled elsewhere.
 */
const UNSAFE_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Throws a `ConfigurationError` (which never quotes the value) when `value` cannot be sent as a header value, so
 * that no client's own error text ever holds the token, and no client sends a different token than the one given.
 */
export function assertHeaderSafe(value: string, what = 'The access token'): void {
  if (UNSAFE_HEADER_VALUE.test(value) || value !== value.trim()) {
    throw new ConfigurationError(
      `${what} holds characters an HTTP header value cannot carry (control characters such as CR, LF or NUL, or leading/trailing spaces); it was not sent`,
    );
  }
}

/** Headers that carry credentials of the caller: never sent on to another origin by a redirect. */
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * The header names (lower-case) a hop from `from` to `to` must not carry: on a change of origin the credential
 * headers and the token header (what the Fetch standard and undici drop, plus a custom `headerName`); on the same
 * origin, the token header when the policy does not allow that origin. An unknown `from` counts as another origin.
 */
export function headersToDrop(
  from: string | URL | undefined,
  to: string | URL,
  allowed: OriginPolicy,
  headerName: string,
): string[] {
  const token = headerName.toLowerCase();
  const target = originOf(to);
  const crossOrigin = from === undefined || target === undefined || originOf(from) !== target;
  if (crossOrigin)
    return CREDENTIAL_HEADERS.includes(token) ? [...CREDENTIAL_HEADERS] : [...CREDENTIAL_HEADERS, token];
  return allowed(to) ? [] : [token];
}

/** Deletes `names` (lower-case) from a plain header record, whatever the case of its keys. */
export function deleteHeaders(headers: unknown, names: readonly string[]): void {
  if (typeof headers !== 'object' || headers === null || names.length === 0) return;
  const record = headers as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (names.includes(key.toLowerCase())) delete record[key];
  }
}
