/**
 * Validation at the boundary, once: the manager's options (a `ConfigurationError` naming the option) and every
 * token set that enters it (`setTokens`, refresh results, store reads). A token must be safe in an HTTP header;
 * no message ever quotes a token.
 */

import { systemClock } from './clock.ts';
import { ConfigurationError } from './errors.ts';
import { memoryStore } from './memory-store.ts';
import type {
  Clock,
  RefreshFunction,
  RevokeFunction,
  TokenManagerOptions,
  TokenSet,
  TokenStore,
} from './types.ts';

export const DEFAULTS = {
  skewMs: 60_000,
  attempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
  maxWaiters: 10_000,
  waitTimeoutMs: 30_000,
  storeTimeoutMs: 5_000,
  minRefreshIntervalMs: 1_000,
  rejectWindowMs: 10_000,
} as const;

/** Visible ASCII, no space: what RFC 6750's b64token and every header-safe token have in common. */
const HEADER_SAFE = /^[\x21-\x7E]+$/;

/** Can `token` go in an Authorization header as it is? (non-empty visible ASCII: no space, CR, LF or NUL) */
export const isHeaderSafeToken = (token: string): boolean => HEADER_SAFE.test(token);
/** An HTTP token (RFC 9110 section 5.6.2), for the authorization scheme. */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A refresh token travels in a form body: visible ASCII and spaces (RFC 6749 appendix A.17's VSCHAR). */
const VSCHAR = /^[\x20-\x7E]+$/;

/** What is wrong with `tokens` (naming the field, never quoting it), or `undefined` when they are usable. */
export function tokenSetProblem(tokens: unknown): string | undefined {
  if (typeof tokens !== 'object' || tokens === null || Array.isArray(tokens))
    return 'tokens must be an object';
  const record = tokens as Record<string, unknown>;
  if (typeof record.accessToken !== 'string' || !HEADER_SAFE.test(record.accessToken)) {
    return 'accessToken must be a non-empty string of visible ASCII characters (no spaces, CR, LF or NUL)';
  }
  if (record.refreshToken !== undefined) {
    if (typeof record.refreshToken !== 'string' || !VSCHAR.test(record.refreshToken)) {
      return 'refreshToken must be a non-empty string of printable ASCII characters';
    }
  }
  if (record.tokenType !== undefined) {
    if (typeof record.tokenType !== 'string' || !SCHEME.test(record.tokenType)) {
      return 'tokenType must be an HTTP token such as Bearer';
    }
  }
  if (record.scope !== undefined && typeof record.scope !== 'string') return 'scope must be a string';
  for (const key of ['expiresAt', 'issuedAt'] as const) {
    const value = record[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      return `${key} must be a finite number of epoch milliseconds`;
    }
  }
  const version = record.version;
  if (
    version !== undefined &&
    !(typeof version === 'number' && Number.isSafeInteger(version) && version >= 0)
  ) {
    return 'version must be a non-negative integer';
  }
  return undefined;
}

/** Throws a `ConfigurationError` for tokens that cannot be used. */
export function checkTokens(tokens: unknown, what: string): asserts tokens is TokenSet {
  const problem = tokenSetProblem(tokens);
  if (problem !== undefined) throw new ConfigurationError(`${what}: ${problem}`);
}

export interface ResolvedOptions {
  readonly tokens: TokenSet | undefined;
  readonly refresh: RefreshFunction;
  readonly revoke: RevokeFunction | undefined;
  readonly store: TokenStore;
  readonly clock: Clock;
  readonly random: () => number;
  readonly skewMs: number;
  readonly proactive: boolean;
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxWaiters: number;
  readonly waitTimeoutMs: number;
  readonly storeTimeoutMs: number;
}

const fail = (option: string, rule: string): never => {
  throw new ConfigurationError(`createTokenManager: ${option} ${rule}`);
};

/** A duration: a number >= `min`; `Infinity` only where it means "no limit". */
const duration = (value: unknown, option: string, fallback: number, infinite: boolean, min = 0): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    return fail(option, `must be a number of milliseconds >= ${min}`);
  }
  if (!Number.isFinite(value) && !infinite) return fail(option, 'must be finite');
  return value;
};

const record = (value: unknown, option: string): Record<string, unknown> => {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) return fail(option, 'must be an object');
  return value as Record<string, unknown>;
};

const hasMethods = (value: unknown, names: readonly string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function');

/**
 * A request's own `timeoutMs` (for `getAccessToken`/`refresh`): `undefined` when not given or `Infinity`; a
 * `ConfigurationError` naming the method when it is not a number >= 0.
 */
export function requestTimeout(timeoutMs: unknown, method: string): number | undefined {
  if (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY) return undefined;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new ConfigurationError(`${method}: timeoutMs must be a number >= 0 (or Infinity)`);
  }
  return timeoutMs;
}

/** Checks every option once; throws a `ConfigurationError` that names the option. */
export function resolveOptions(options: TokenManagerOptions | undefined): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    return fail('options', 'must be an object with at least `refresh`');
  }
  const o = options as unknown as Record<string, unknown>;
  if (typeof o.refresh !== 'function') return fail('refresh', 'must be a function (e.g. oauth2Refresh(...))');
  if (o.revoke !== undefined && typeof o.revoke !== 'function') fail('revoke', 'must be a function');
  if ('tokens' in o && o.tokens !== undefined) checkTokens(o.tokens, 'createTokenManager: tokens');
  if (o.store !== undefined && !hasMethods(o.store, ['get', 'set', 'clear'])) {
    fail('store', 'must have get, set and clear methods');
  }
  if (o.clock !== undefined && !hasMethods(o.clock, ['now', 'setTimeout', 'clearTimeout'])) {
    fail('clock', 'must have now, setTimeout and clearTimeout methods');
  }
  if (o.random !== undefined && typeof o.random !== 'function') fail('random', 'must be a function');
  if (o.proactive !== undefined && typeof o.proactive !== 'boolean') fail('proactive', 'must be a boolean');
  const retry = record(o.retry, 'retry');
  const queue = record(o.queue, 'queue');
  const attempts = retry.attempts ?? DEFAULTS.attempts;
  if (typeof attempts !== 'number' || !Number.isSafeInteger(attempts) || attempts < 1) {
    fail('retry.attempts', 'must be an integer >= 1');
  }
  const baseDelayMs = duration(retry.baseDelayMs, 'retry.baseDelayMs', DEFAULTS.baseDelayMs, false);
  const maxDelayMs = duration(retry.maxDelayMs, 'retry.maxDelayMs', DEFAULTS.maxDelayMs, false);
  if (maxDelayMs < baseDelayMs) fail('retry.maxDelayMs', 'must be >= retry.baseDelayMs');
  const maxWaiters = queue.maxWaiters ?? DEFAULTS.maxWaiters;
  if (typeof maxWaiters !== 'number' || !Number.isSafeInteger(maxWaiters) || maxWaiters < 1) {
    fail('queue.maxWaiters', 'must be an integer >= 1');
  }
  const tokens = o.tokens as TokenSet | undefined;
  return {
    tokens,
    refresh: o.refresh as RefreshFunction,
    revoke: o.revoke as RevokeFunction | undefined,
    store: (o.store as TokenStore | undefined) ?? memoryStore(tokens),
    clock: (o.clock as Clock | undefined) ?? systemClock(),
    random: (o.random as (() => number) | undefined) ?? Math.random,
    skewMs: duration(o.skewMs, 'skewMs', DEFAULTS.skewMs, false),
    proactive: (o.proactive as boolean | undefined) ?? true,
    attempts: attempts as number,
    baseDelayMs,
    maxDelayMs,
    maxWaiters: maxWaiters as number,
    // Infinity: no timeout. Any finite value works, 2^31 ms and more included (timers are chained).
    waitTimeoutMs: duration(queue.waitTimeoutMs, 'queue.waitTimeoutMs', DEFAULTS.waitTimeoutMs, true, 1),
    storeTimeoutMs: duration(o.storeTimeoutMs, 'storeTimeoutMs', DEFAULTS.storeTimeoutMs, true, 1),
  };
}
