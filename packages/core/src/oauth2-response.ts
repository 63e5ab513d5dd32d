/**
 * Reading and judging token-endpoint responses: RFC 6749 section 5.1 (success) and 5.2 (error).
 * Nothing from the body ever reaches an error message: only fixed text, the status and a short error code.
 */
import { TokenEndpointError } from './errors.ts';
import type { RefreshResult } from './types.ts';
import { isHeaderSafeToken } from './validate.ts';

/** The longest `expires_in` accepted: ten years, in seconds. Anything longer is taken as a broken server. */
export const MAX_EXPIRES_IN_SECONDS: number = 10 * 365 * 24 * 60 * 60;

const NUMERIC = /^\d+(\.\d+)?$/;
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

export type Body = { readonly text: string } | { readonly problem: string };

/**
 * Reads at most `maxBytes` of the body, chunk by chunk; past the limit the stream is cancelled. Rejects with
 * `signal.reason` when `signal` aborts (also for a stream that ignores it), and with the stream's own error.
 */
export async function readBody(response: Response, maxBytes: number, signal: AbortSignal): Promise<Body> {
  signal.throwIfAborted();
  const body = response.body;
  if (body === null) return { text: '' };
  const tooLarge = { problem: `the body is larger than ${maxBytes} bytes` };
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await body.cancel().catch(() => undefined);
    return tooLarge;
  }
  const reader = body.getReader();
  // Cancelling settles a pending read at once, so an abort ends the loop even if the source never produces.
  const onAbort = (): void => void reader.cancel(signal.reason).catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return tooLarge;
      }
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: 'the body is not UTF-8 text' };
  }
}

export function malformed(reason: string, status: number): TokenEndpointError {
  return new TokenEndpointError(`malformed token response: ${reason}`, { kind: 'config', status });
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    // The parser's message quotes the body, which may hold a token: neither is kept.
    return undefined;
  }
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

/**
 * A section 5.2 `error` value that is safe to keep: a plain code (letters, digits, `_`, `-`, `.`) that does not
 * contain any of `secrets`, so a server that echoes a token into `error` cannot get it into a message.
 */
function safeErrorCode(value: unknown, secrets: readonly string[]): string | undefined {
  if (typeof value !== 'string' || !ERROR_CODE.test(value)) return undefined;
  return secrets.some((secret) => secret !== '' && value.includes(secret)) ? undefined : value;
}

/** The `error` code of an error body, when it has a safe one. */
export function errorCodeOf(body: Body, secrets: readonly string[]): string | undefined {
  return 'text' in body ? safeErrorCode(jsonObject(body.text)?.error, secrets) : undefined;
}

/**
 * How a failed token request is handled. 408, 429 and 5xx are transient whatever the body says; `invalid_grant`
 * is terminal; `temporarily_unavailable` and `server_error` (section 4.1.2.1 codes some servers also use here) are
 * transient; everything else, a missing code included, is a configuration error that keeps the user's tokens.
 */
export function errorResponse(
  status: number,
  oauthError: string | undefined,
  retryAfterMs: number | undefined,
): TokenEndpointError {
  const transient = (reason: string): TokenEndpointError =>
    new TokenEndpointError(reason, { kind: 'transient', status, oauthError, retryAfterMs });
  const config = (reason: string): TokenEndpointError =>
    new TokenEndpointError(reason, { kind: 'config', status, oauthError });
  if (status === 408 || status === 429 || status >= 500) return transient('the server is unavailable');
  switch (oauthError) {
    case 'invalid_grant':
      return status === 400 || status === 401 || (status >= 200 && status < 300)
        ? new TokenEndpointError('the refresh token was rejected', { kind: 'terminal', status, oauthError })
        : config('unexpected status for invalid_grant');
    case 'temporarily_unavailable':
    case 'server_error':
      return transient('the server is unavailable');
    case 'invalid_client':
      return config('client authentication failed');
    case 'unauthorized_client':
      return config('the client may not use the refresh_token grant');
    case 'unsupported_grant_type':
      return config('the server does not support the refresh_token grant');
    case 'invalid_scope':
      return config('the requested scope was refused');
    case 'invalid_request':
      return config('the server refused the request as invalid');
    case undefined:
      return config(
        status === 401 ? 'client authentication failed' : 'error response without an OAuth2 error code',
      );
    default:
      return config('the server refused the token request');
  }
}

function parseExpiresIn(value: unknown, status: number): number | undefined {
  // null is read as "not given": the expiry is then unknown and the manager relies on 401s.
  if (value === undefined || value === null) return undefined;
  const seconds =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && NUMERIC.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isFinite(seconds) || seconds * 1000 < 1 || seconds > MAX_EXPIRES_IN_SECONDS) {
    throw malformed('expires_in must be a number of seconds, at least 1 ms and at most ten years', status);
  }
  return seconds;
}

/** A string field; null counts as absent, and so does an empty `scope` (but not an empty refresh token). */
function optionalString(data: Record<string, unknown>, key: string, status: number): string | undefined {
  const value = data[key];
  if (value === undefined || value === null || (key === 'scope' && value === '')) return undefined;
  if (typeof value !== 'string' || value === '') throw malformed(`${key} must be a non-empty string`, status);
  return value;
}

/** Section 5.1. `text` is the body of a 2xx response; `secrets` are kept out of an error code. */
export function parseTokenResponse(text: string, status: number, secrets: readonly string[]): RefreshResult {
  const data = jsonObject(text);
  if (data === undefined) throw malformed('the body is not a JSON object', status);
  // Some servers answer 200 with an error body; it is judged like a section 5.2 response.
  if (data.access_token === undefined && typeof data.error === 'string') {
    throw errorResponse(status, safeErrorCode(data.error, secrets), undefined);
  }
  const accessToken = data.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw malformed('access_token must be a non-empty string', status);
  }
  if (!isHeaderSafeToken(accessToken)) {
    throw malformed('access_token has characters that cannot be sent in a header', status);
  }
  const tokenType = data.token_type;
  if (typeof tokenType !== 'string' || tokenType === '') throw malformed('token_type is missing', status);
  if (tokenType.toLowerCase() !== 'bearer') {
    throw new TokenEndpointError('unsupported token_type (only Bearer is supported)', {
      kind: 'config',
      status,
    });
  }
  const expiresIn = parseExpiresIn(data.expires_in, status);
  const refreshToken = optionalString(data, 'refresh_token', status);
  const scope = optionalString(data, 'scope', status);
  return {
    accessToken,
    tokenType: 'Bearer',
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(expiresIn === undefined ? {} : { expiresIn }),
    ...(scope === undefined ? {} : { scope }),
  };
}
