import type { DefaultBodyType, HttpHandler, HttpResponseResolver, PathParams } from 'msw';
import type { FetchLike, IssuedTokens, ListeningOAuthServer, OAuthCounters, OAuthFaults } from './options.ts';
import type { ProtectedResolver, ProtectOptions } from './protect.ts';

/**
 * An OAuth2 authorization server (token, revocation, introspection, metadata) and a protected echo API, as one
 * Fetch-API handler with three transports over the same state: msw handlers, a fetch double and real loopback
 * listeners.
 */
export interface OAuthServer {
  /** The authorization server's origin (`issuer` option). */
  readonly issuer: string;
  /** The same as `issuer`. */
  readonly authOrigin: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  readonly introspectionEndpoint: string;
  /** RFC 8414: `{issuer}/.well-known/oauth-authorization-server`. */
  readonly metadataUrl: string;
  /** The first registered client's id. */
  readonly clientId: string;
  /** The first registered client's secret (`''` for a public client). */
  readonly clientSecret: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  /** The `echoOrigins` option, as origins. */
  readonly echoOrigins: readonly string[];
  apiUrl(path: string): string;
  otherUrl(path: string): string;

  /** msw handlers for the issuer, the built-in API, the other origin and the echo origins. */
  readonly handlers: readonly HttpHandler[];
  /**
   * Routes by origin: issuer, API, other origin, echo origins. Any other origin gets `Response.error()` (a
   * network error).
   */
  handle(request: Request): Promise<Response>;
  /** A fetch double that calls `handle` directly (no msw needed). */
  readonly fetch: FetchLike;
  /** Serves the same state on three 127.0.0.1 listeners with random ports (issuer, API, other origin). Node only. */
  listen(): Promise<ListeningOAuthServer>;

  /**
   * Wraps an msw resolver of your own API: a missing, unknown, expired or revoked access token gets 401 with
   * `WWW-Authenticate: Bearer error="invalid_token"`; a token without the required scope 403 `insufficient_scope`;
   * a valid one runs your resolver, which also receives `token` (serial, client, scope, expiry).
   */
  protect<
    Params extends PathParams<keyof Params> = PathParams,
    RequestBodyType extends DefaultBodyType = DefaultBodyType,
    ResponseBodyType extends DefaultBodyType = undefined,
  >(
    resolver: ProtectedResolver<Params, RequestBodyType, ResponseBodyType>,
    options?: ProtectOptions,
  ): HttpResponseResolver<Params, RequestBodyType, ResponseBodyType>;

  /** A new grant, as after a login (default: the first client, the `scope` option). */
  issueTokens(options?: { readonly clientId?: string; readonly scope?: string }): IssuedTokens;
  /** The server's time: the clock plus every `advance()`. */
  now(): number;
  /** Moves the server's time forward (tokens expire, grace windows close); your own clock is not touched. */
  advance(ms: number): void;
  /** Every access token issued so far is expired from now on. */
  expireAccessTokens(): void;
  /** Revokes the grant a token (access or refresh) belongs to, or every grant. */
  revokeGrant(token?: string): void;
  /** The next `count` token-endpoint calls answer `status` (default 503), with `Retry-After` in seconds if given. */
  failNext(
    count?: number,
    options?: { readonly status?: number; readonly retryAfter?: number; readonly body?: string },
  ): void;
  /** The next token-endpoint call answers 200 with this body (default: an HTML page) and changes nothing. */
  malformedNext(body?: string, options?: { readonly contentType?: string; readonly status?: number }): void;
  /** The next refresh rotates the refresh token, then its answer is lost (502, or a dropped connection). */
  loseResponseAfterRotation(options?: { readonly status?: number | 'network-error' }): void;
  /** The next `count` token-endpoint calls drop the connection before anything happens. */
  networkErrorNext(count?: number): void;
  /** Delays every token-endpoint answer by `ms` (on `setTimeout`: advance fake timers); 0 turns it off. */
  latency(ms: number): void;
  /** The scripted faults, and API-side faults (`apiLatency`, `/unavailable`). */
  readonly faults: OAuthFaults;
  readonly counters: OAuthCounters;
  /** Every refresh token the server issued so far, used or not (to scan your logs and storage for leaks). */
  issuedRefreshTokens(): readonly string[];
  /** Forgets every grant, counter, log entry, fault and `advance()`; a seeded server starts its sequence over. */
  reset(): void;
}
