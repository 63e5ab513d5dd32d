/**
 * Typed errors. Every error tokenrelay throws is a `TokenRelayError` with a literal `name`, a `code` and the
 * original `cause`. No message, `toJSON()` or inspect output ever contains a token or a secret: messages are
 * written by us from fixed text, and the cause is shown only by its name and code, never its message.
 */

const brand: unique symbol = Symbol.for('tokenrelay.error');
const inspectSymbol: unique symbol = Symbol.for('nodejs.util.inspect.custom');

export type TokenRelayErrorCode =
  | 'REAUTH_REQUIRED'
  | 'REFRESH_FAILED'
  | 'TOKEN_ENDPOINT'
  | 'WAIT_TIMEOUT'
  | 'QUEUE_FULL'
  | 'NOT_REPLAYABLE'
  | 'DISPOSED'
  | 'CONFIGURATION'
  | 'STORE'
  | 'STORE_CONFLICT'
  | 'LOCK'
  | 'TOKEN_REJECTED';

/** How a token-endpoint failure is handled: retried, terminal (sign in again), or a configuration error. */
export type FailureKind = 'transient' | 'terminal' | 'config';

export interface TokenRelayErrorJSON {
  readonly name: string;
  readonly code: TokenRelayErrorCode;
  readonly message: string;
  readonly cause?: { readonly name: string; readonly code?: string | undefined } | undefined;
  readonly [key: string]: unknown;
}

const describeCause = (cause: unknown): TokenRelayErrorJSON['cause'] => {
  if (cause === undefined) return undefined;
  if (isTokenRelayError(cause)) return { name: cause.name, code: cause.code };
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return { name: cause.name, code: typeof code === 'string' ? code : undefined };
  }
  return { name: typeof cause };
};

export class TokenRelayError extends Error {
  override name: string = 'TokenRelayError';
  readonly code: TokenRelayErrorCode;

  constructor(code: TokenRelayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
    // util.inspect shows the same safe fields as toJSON, never the cause's message.
    Object.defineProperty(this, inspectSymbol, { value: () => this.inspect() });
  }

  /** Fields beyond name, code and message that are safe to show. */
  protected details(): Record<string, unknown> {
    return {};
  }

  toJSON(): TokenRelayErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...this.details(),
      cause: describeCause(this.cause),
    };
  }

  private inspect(): string {
    const json = this.toJSON();
    const extra = Object.entries(json)
      .filter(([key, value]) => key !== 'name' && key !== 'message' && value !== undefined)
      .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
      .join(', ');
    const stack = (this.stack ?? '').split('\n').slice(1).join('\n');
    return `${this.name}: ${this.message} { ${extra} }${stack ? `\n${stack}` : ''}`;
  }
}

/** The refresh token is gone or rejected (`invalid_grant`, revoked, none held): the user must sign in again. */
export class ReauthRequiredError extends TokenRelayError {
  override name = 'ReauthRequiredError' as const;
  constructor(
    message = 'The session can no longer be refreshed; sign in again',
    options?: { cause?: unknown },
  ) {
    super('REAUTH_REQUIRED', message, options);
  }
}

/** A refresh failed and will not be retried for this request (retries used up, or a configuration error). */
export class RefreshFailedError extends TokenRelayError {
  override name = 'RefreshFailedError' as const;
  /** `config` means the client is misconfigured; the user's tokens are kept. */
  readonly kind: FailureKind;
  readonly attempts: number;
  constructor(kind: FailureKind, attempts: number, options?: { cause?: unknown }) {
    super(
      'REFRESH_FAILED',
      kind === 'config'
        ? 'Token refresh failed because of a configuration error; tokens were kept'
        : `Token refresh failed after ${attempts} attempt${attempts === 1 ? '' : 's'}`,
      options,
    );
    this.kind = kind;
    this.attempts = attempts;
  }
  protected override details(): Record<string, unknown> {
    return { kind: this.kind, attempts: this.attempts };
  }
}

export interface TokenEndpointErrorOptions {
  readonly kind: FailureKind;
  /** HTTP status, when there was a response. */
  readonly status?: number | undefined;
  /** The RFC 6749 section 5.2 `error` code, when the server sent one. */
  readonly oauthError?: string | undefined;
  /** The server's `Retry-After`, in ms. */
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

const OAUTH_ERROR = /^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$/;

/** The token endpoint (or a custom refresh function) failed; `kind` says how the manager treats it. */
export class TokenEndpointError extends TokenRelayError {
  override name = 'TokenEndpointError' as const;
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly oauthError: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(reason: string, options: TokenEndpointErrorOptions) {
    // `oauthError` is server input: keep it only when it is a short RFC 6749 error code, never free text.
    const oauthError =
      options.oauthError !== undefined && OAUTH_ERROR.test(options.oauthError)
        ? options.oauthError
        : undefined;
    const parts = [
      options.status === undefined ? undefined : `HTTP ${options.status}`,
      oauthError === undefined ? undefined : oauthError,
    ].filter((part) => part !== undefined);
    super(
      'TOKEN_ENDPOINT',
      `Token endpoint: ${reason}${parts.length ? ` (${parts.join(', ')})` : ''}`,
      options,
    );
    this.kind = options.kind;
    this.status = options.status;
    this.oauthError = oauthError;
    this.retryAfterMs = options.retryAfterMs;
  }
  protected override details(): Record<string, unknown> {
    return {
      kind: this.kind,
      status: this.status,
      oauthError: this.oauthError,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

/**
 * A request waited too long for a token: `limit` says which limit ran out, the manager's `queue.waitTimeoutMs`
 * (`'manager'`) or the `timeoutMs` the request gave `getAccessToken()`/`refresh()` (`'request'`: an adapter passes
 * what is left of the client's own timeout, and reports it as that client's timeout error).
 */
export class WaitTimeoutError extends TokenRelayError {
  override name = 'WaitTimeoutError' as const;
  readonly timeoutMs: number;
  readonly limit: 'manager' | 'request';
  constructor(timeoutMs: number, limit: 'manager' | 'request' = 'manager') {
    super('WAIT_TIMEOUT', `Waited ${timeoutMs} ms for a token refresh`);
    this.timeoutMs = timeoutMs;
    this.limit = limit;
  }
  protected override details(): Record<string, unknown> {
    return { timeoutMs: this.timeoutMs, limit: this.limit };
  }
}

export class QueueFullError extends TokenRelayError {
  override name = 'QueueFullError' as const;
  readonly maxWaiters: number;
  constructor(maxWaiters: number) {
    super('QUEUE_FULL', `More than ${maxWaiters} requests are waiting for a token refresh`);
    this.maxWaiters = maxWaiters;
  }
  protected override details(): Record<string, unknown> {
    return { maxWaiters: this.maxWaiters };
  }
}

/** A request got a 401 but its body cannot be sent again (a consumed stream, or over the buffer limit). */
export class NotReplayableError extends TokenRelayError {
  override name = 'NotReplayableError' as const;
  constructor(reason: string, options?: { cause?: unknown }) {
    super('NOT_REPLAYABLE', `The request cannot be replayed after a token refresh: ${reason}`, options);
  }
}

/**
 * The API rejected (401) an access token the token endpoint had just issued, `rejections` times in a row (a wrong
 * audience, `nbf` skew): the next refresh is backed off by `retryAfterMs` instead of costing one token call per
 * request. Requests that need a new token until then fail with this error; it is also emitted as `token-rejected`.
 */
export class TokenRejectedError extends TokenRelayError {
  override name = 'TokenRejectedError' as const;
  readonly rejections: number;
  readonly retryAfterMs: number;
  constructor(rejections: number, retryAfterMs: number) {
    super(
      'TOKEN_REJECTED',
      `The API rejected ${rejections === 1 ? 'a just-issued access token' : `${rejections} just-issued access tokens in a row`}; the next refresh waits ${retryAfterMs} ms`,
    );
    this.rejections = rejections;
    this.retryAfterMs = retryAfterMs;
  }
  protected override details(): Record<string, unknown> {
    return { rejections: this.rejections, retryAfterMs: this.retryAfterMs };
  }
}

export class DisposedError extends TokenRelayError {
  override name = 'DisposedError' as const;
  constructor() {
    super('DISPOSED', 'The token manager was disposed');
  }
}

/** Options that cannot work (e.g. a plain-http token endpoint that is not loopback). */
export class ConfigurationError extends TokenRelayError {
  override name = 'ConfigurationError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIGURATION', message, options);
  }
}

/** A token store could not read, write or remove the tokens (the cause says why). */
export class StoreError extends TokenRelayError {
  override name = 'StoreError' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE', message, options);
  }
}

/**
 * A store refused a write because it holds tokens at least as new (`storedVersion` >= `attemptedVersion`): another
 * process or tab wrote first. The manager re-reads the store and adopts what is there.
 */
export class StoreConflictError extends TokenRelayError {
  override name = 'StoreConflictError' as const;
  readonly attemptedVersion: number | undefined;
  readonly storedVersion: number | undefined;
  constructor(attemptedVersion: number | undefined, storedVersion: number | undefined) {
    super(
      'STORE_CONFLICT',
      `The store holds newer tokens (version ${String(storedVersion)}) than this write (version ${String(attemptedVersion)})`,
    );
    this.attemptedVersion = attemptedVersion;
    this.storedVersion = storedVersion;
  }
  protected override details(): Record<string, unknown> {
    return { attemptedVersion: this.attemptedVersion, storedVersion: this.storedVersion };
  }
}

/** Why a store lock failed: not acquired in time, lost while held (lease not extended), or the backend is down. */
export type LockFailure = 'acquire-timeout' | 'lost' | 'unavailable';

/** A store's lock could not be taken or was lost; the refresh it guarded did not send (or was aborted). */
export class LockError extends TokenRelayError {
  override name = 'LockError' as const;
  readonly reason: LockFailure;
  constructor(reason: LockFailure, options?: { cause?: unknown }) {
    super(
      'LOCK',
      reason === 'acquire-timeout'
        ? 'The token store lock was not acquired in time'
        : reason === 'lost'
          ? 'The token store lock was lost while refreshing'
          : 'The token store lock is unavailable',
      options,
    );
    this.reason = reason;
  }
  protected override details(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

/** True for any tokenrelay error, across realms and duplicate installs; narrows by `code` when given. */
export function isTokenRelayError(error: unknown, code?: TokenRelayErrorCode): error is TokenRelayError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [brand]?: unknown })[brand] === true &&
    (code === undefined || (error as { code?: unknown }).code === code)
  );
}

export const isReauthRequiredError = (error: unknown): error is ReauthRequiredError =>
  isTokenRelayError(error, 'REAUTH_REQUIRED');
