/**
 * Options of `oauth2Refresh()` and their validation. Everything that cannot work is refused when the refresh
 * function is created, with a `ConfigurationError` written from fixed text (no option value is ever quoted,
 * so a secret cannot end up in a message).
 */
import { systemClock } from './clock.ts';
import { ConfigurationError } from './errors.ts';
import type { Clock } from './types.ts';

/** How the client authenticates to the token endpoint (RFC 6749 section 2.3.1). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface OAuth2RefreshOptions {
  /** The token endpoint. Must be `https:`; `http:` only for loopback hosts or with `allowInsecureHttp`. */
  readonly tokenEndpoint: string | URL;
  readonly clientId: string;
  /** Confidential clients only. With a secret, `clientAuth` defaults to `client_secret_basic`. */
  readonly clientSecret?: string | undefined;
  /** Default `client_secret_basic` when a secret is given, `none` (client_id in the body) otherwise. */
  readonly clientAuth?: ClientAuthMethod | undefined;
  /** Sent as `scope` to narrow the new access token (RFC 6749 section 6). */
  readonly scope?: string | undefined;
  /** More body parameters (e.g. `resource`, `audience`). May not replace the grant's own parameters. */
  readonly extraParams?: Readonly<Record<string, string>> | undefined;
  /**
   * The fetch used for the token request. Default: `globalThis.fetch` as it is when `oauth2Refresh()` is called,
   * so a fetch wrapped with token refresh later on is never used to refresh. Never pass an intercepted client.
   */
  readonly fetch?: typeof fetch | undefined;
  /** Allow a plain `http:` token endpoint on a host that is not loopback. Default false. */
  readonly allowInsecureHttp?: boolean | undefined;
  /** Bound on the whole token request, body included, in ms. Default 30_000. */
  readonly timeoutMs?: number | undefined;
  /** Most bytes of a response body that are read. Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined;
  /** The clock the request timeout runs on (pass the manager's, e.g. a fake clock in tests). Default the system's. */
  readonly clock?: Clock | undefined;
}

/** Validated options, with defaults applied. */
export interface ResolvedOAuth2Options {
  readonly endpoint: URL;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly clientAuth: ClientAuthMethod;
  readonly scope: string | undefined;
  readonly extraParams: ReadonlyArray<readonly [string, string]>;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly clock: Clock;
}

export const DEFAULT_TIMEOUT_MS: number = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES: number = 1024 * 1024;
/** The largest delay `setTimeout` accepts. */
const MAX_TIMEOUT_MS = 2_147_483_647;
const CLIENT_AUTH_METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post', 'none'];
const RESERVED_PARAMS: readonly string[] = ['grant_type', 'refresh_token', 'client_id', 'client_secret'];

const fail = (message: string): ConfigurationError => new ConfigurationError(`oauth2Refresh: ${message}`);

/** 127.0.0.0/8, ::1 and localhost. `URL` has already normalized the host (e.g. `127.1` to `127.0.0.1`). */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

function resolveEndpoint(input: unknown, allowInsecureHttp: boolean): URL {
  if (typeof input !== 'string' && !(input instanceof URL))
    throw fail('tokenEndpoint must be a string or URL');
  const text = String(input);
  if (!URL.canParse(text)) throw fail('tokenEndpoint is not a valid absolute URL');
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail('tokenEndpoint must be an https URL');
  if (url.protocol === 'http:' && !allowInsecureHttp && !isLoopbackHost(url.hostname)) {
    throw fail(
      'tokenEndpoint must use https; plain http is allowed only for loopback hosts or with allowInsecureHttp',
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw fail('tokenEndpoint must not contain credentials; use clientId and clientSecret');
  }
  // RFC 6749 section 3.2: the endpoint URI MUST NOT include a fragment.
  if (url.hash !== '' || text.includes('#')) throw fail('tokenEndpoint must not contain a fragment');
  return url;
}

function resolveClientAuth(options: OAuth2RefreshOptions): ClientAuthMethod {
  const { clientSecret } = options;
  if (clientSecret !== undefined && (typeof clientSecret !== 'string' || clientSecret === '')) {
    throw fail('clientSecret must be a non-empty string when given');
  }
  const clientAuth = options.clientAuth ?? (clientSecret === undefined ? 'none' : 'client_secret_basic');
  if (!CLIENT_AUTH_METHODS.includes(clientAuth)) {
    throw fail("clientAuth must be 'client_secret_basic', 'client_secret_post' or 'none'");
  }
  if (clientAuth !== 'none' && clientSecret === undefined)
    throw fail(`clientAuth '${clientAuth}' needs a clientSecret`);
  if (clientAuth === 'none' && clientSecret !== undefined) {
    throw fail("clientAuth 'none' does not send the clientSecret; remove it or choose another clientAuth");
  }
  return clientAuth;
}

function resolveExtraParams(options: OAuth2RefreshOptions): ReadonlyArray<readonly [string, string]> {
  const { extraParams } = options;
  if (extraParams === undefined) return [];
  if (typeof extraParams !== 'object' || extraParams === null) throw fail('extraParams must be an object');
  const entries = Object.entries(extraParams);
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw fail('every extraParams value must be a string');
    if (RESERVED_PARAMS.includes(name)) throw fail(`extraParams may not set ${name}`);
    if (name === 'scope' && options.scope !== undefined)
      throw fail('give scope either as scope or in extraParams');
  }
  return entries;
}

function positive(value: number | undefined, fallback: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    throw fail(`${name} must be a positive integer no larger than ${max}`);
  }
  return value;
}

export function resolveOptions(options: OAuth2RefreshOptions): ResolvedOAuth2Options {
  if (typeof options !== 'object' || options === null) throw fail('options are required');
  const endpoint = resolveEndpoint(options.tokenEndpoint, options.allowInsecureHttp === true);
  if (typeof options.clientId !== 'string' || options.clientId === '') {
    throw fail('clientId must be a non-empty string');
  }
  if (options.scope !== undefined && typeof options.scope !== 'string') throw fail('scope must be a string');
  const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
  if (typeof fetchImpl !== 'function') throw fail('no fetch is available; pass one as the fetch option');
  return {
    endpoint,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    clientAuth: resolveClientAuth(options),
    scope: options.scope,
    extraParams: resolveExtraParams(options),
    fetch: fetchImpl,
    timeoutMs: positive(options.timeoutMs, DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS, 'timeoutMs'),
    maxResponseBytes: positive(
      options.maxResponseBytes,
      DEFAULT_MAX_RESPONSE_BYTES,
      Number.MAX_SAFE_INTEGER,
      'maxResponseBytes',
    ),
    clock: options.clock ?? systemClock(),
  };
}
