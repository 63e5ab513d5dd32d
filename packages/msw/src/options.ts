/** Public types of the OAuth2 authorization server and protected API emulation. */

/** RFC 6749 section 2.3.1 (`client_secret_basic`, `client_secret_post`) or a public client (`none`). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * What the server does when a refresh token that was already used is presented again (RFC 9700 section 4.14.2):
 * `'revoke-family'` revokes the whole grant (every refresh and access token of it); `'reject'` answers
 * `invalid_grant` and leaves the grant alone; `'off'` accepts used refresh tokens as if they were new.
 */
export type ReuseDetection = 'revoke-family' | 'reject' | 'off';

/** A fetch-compatible function. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** A time source in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** One client registered at the server. */
export interface OAuthClient {
  readonly clientId: string;
  /** Required unless `auth` is `'none'`. */
  readonly clientSecret?: string | undefined;
  /** How the client authenticates at the token, revocation and introspection endpoints. Default `client_secret_basic`. */
  readonly auth?: ClientAuthMethod | undefined;
}

export interface OAuthServerOptions {
  /** The authorization server's origin (RFC 8414 `issuer`). Default `https://auth.example.test`. */
  readonly issuer?: string | undefined;
  /**
   * The registered clients; the first is the default for `issueTokens()`. Default one confidential client
   * `{ clientId: 'tokenrelay-client', clientSecret: 'tokenrelay-secret', auth: 'client_secret_basic' }`.
   */
  readonly clients?: readonly OAuthClient[] | undefined;
  /** Access-token lifetime in milliseconds. Default 60_000. */
  readonly accessTokenTtl?: number | undefined;
  /** Refresh-token lifetime in milliseconds, counted from each refresh token's issue. Default: no expiry. */
  readonly refreshTokenTtl?: number | undefined;
  /** Issue a new refresh token on every refresh. Default true; when false no `refresh_token` is returned. */
  readonly rotation?: boolean | undefined;
  /** Default `'revoke-family'`. */
  readonly reuseDetection?: ReuseDetection | undefined;
  /**
   * For this many milliseconds after a refresh token was used, presenting it again succeeds (a new access token and
   * the same successor refresh token) instead of counting as reuse; only the immediately previous refresh token of
   * a grant gets the grace, never an older one (Auth0's "reuse interval"). Default 0.
   */
  readonly reuseGraceMs?: number | undefined;
  /** Time source for every lifetime. Default `Date.now` (so vitest's fake timers move it too). */
  readonly clock?: Clock | undefined;
  /** Makes token values deterministic: the same seed gives the same tokens in the same order. Default: random. */
  readonly seed?: number | string | undefined;
  /** Scope returned with tokens and required by nothing; none when absent. */
  readonly scope?: string | undefined;
  /** Leave `expires_in` out of token responses (tokens still expire after `accessTokenTtl`). */
  readonly omitExpiresIn?: boolean | undefined;
  /** A refresh revokes the grant's earlier access tokens at once. Default false (they live out their lifetime). */
  readonly revokeAccessTokensOnRefresh?: boolean | undefined;
  /** The built-in protected echo API (see the README). Default `https://api.example.test`. */
  readonly apiOrigin?: string | undefined;
  /** A third-party origin that the API's `/redirect/*` points at. Default `https://other.example.test`. */
  readonly otherOrigin?: string | undefined;
  /**
   * More third-party origins, answered like the other origin (msw handlers and `server.fetch` only; `listen()`
   * does not serve them): for origin-scoping tests with another scheme or port, a subdomain, a look-alike host.
   */
  readonly echoOrigins?: readonly string[] | undefined;
  /**
   * Keep tokens and secrets in the request log as they were sent. Default false: every token, refresh token and
   * client secret is replaced by a placeholder such as `<access token #2>`.
   */
  readonly unredactedLog?: boolean | undefined;
  /** Record every request's headers and body in the request log (redacted unless `unredactedLog`). Default false. */
  readonly captureRequests?: boolean | undefined;
  /** Keep only the latest this many request-log records (for long runs). Default: all of them. */
  readonly requestLogLimit?: number | undefined;
}

/** A scripted token-endpoint failure, consumed by one `POST /token` call. */
export type TokenFault =
  /** Answers `status` (no state change); `Retry-After` when `retryAfterSeconds` is set. */
  | {
      readonly type: 'status';
      readonly status: number;
      readonly retryAfterSeconds?: number;
      readonly body?: string;
    }
  /** Answers 200 (or `status`) with this body and no state change. */
  | {
      readonly type: 'malformed';
      readonly body: string;
      readonly contentType?: string;
      readonly status?: number;
    }
  /**
   * Performs the refresh (the refresh token is rotated), then the answer is lost: a `status` response
   * (default 502) or, with `'network-error'`, a dropped connection.
   */
  | { readonly type: 'lost-after-rotation'; readonly status?: number | 'network-error' }
  /** The connection drops before the server does anything. */
  | { readonly type: 'network-error' }
  /** Waits `ms` (on the timers of the moment: fake timers must be advanced) before handling the call normally. */
  | { readonly type: 'latency'; readonly ms: number };

export interface OAuthFaults {
  /** Appends token-endpoint faults; each `POST /token` call consumes the first one. */
  enqueue(...faults: TokenFault[]): void;
  /** Token faults not yet consumed. */
  readonly pending: number;
  /** Drops every scripted fault and latency setting. */
  clear(): void;
  /** Delay before every token-endpoint answer, in milliseconds (`server.latency(ms)`). */
  tokenLatency: number;
  /** Delay for the n-th API-origin request (0-based, as counted by `apiRequests`). */
  apiLatency: ((requestIndex: number) => number) | undefined;
  /** How many more requests to `{api}/unavailable` answer 503 before it behaves like any other path. */
  unavailableRemaining: number;
  /** `Retry-After` sent with those 503s. */
  unavailableRetryAfterSeconds: number | undefined;
}

/** One request an origin received, with tokens and secrets redacted unless `unredactedLog` is set. */
export interface RequestRecord {
  readonly origin: string;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** The Authorization header, e.g. `Bearer <access token #3>` (redacted) or `undefined` without one. */
  readonly authorization: string | undefined;
  /** The status the emulation answered; 0 when it dropped the connection. */
  readonly status: number;
  /** With `captureRequests`: every request header (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /** With `captureRequests`: the request body as text (`''` without one). */
  readonly body?: string;
}

export interface OAuthCounters {
  /** Every `POST /token` call, faulted or not. */
  readonly tokenCalls: number;
  /** Successful refresh-token grants (a grace-window repeat included). */
  readonly refreshes: number;
  /** The same as `refreshes` (older name). */
  readonly successfulRefreshes: number;
  /** Successful client-credentials grants. */
  readonly clientCredentialsGrants: number;
  /** Used refresh tokens presented again outside the grace window (with `reuseDetection` not `'off'`). */
  readonly reuseDetections: number;
  /** Grants revoked by reuse detection, revocation (RFC 7009 or `revokeGrant()`). */
  readonly grantsRevoked: number;
  /** 401 answers from the built-in API and from routes wrapped with `protect()`. */
  readonly unauthorized: number;
  /** Requests to the built-in API origin. */
  readonly apiRequests: number;
  /** Successful `POST /revoke` calls. */
  readonly revocations: number;
  /** `POST /introspect` calls answered. */
  readonly introspections: number;
  /** Token-endpoint calls that carried a `Bearer` Authorization header (a client intercepting its own refresh). */
  readonly bearerAtTokenEndpoint: number;
  /** Every request any origin received, in the order they were answered (the latest `requestLogLimit`). */
  readonly requestLog: readonly RequestRecord[];
  /** The requests one origin received. */
  requestsSeenBy(origin: string): readonly RequestRecord[];
}

/** What a login would hand the client. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds; `undefined` with `omitExpiresIn`. */
  readonly expiresIn: number | undefined;
  /** Epoch milliseconds on the server's clock. */
  readonly issuedAt: number;
  /** Epoch milliseconds on the server's clock. */
  readonly expiresAt: number;
  readonly scope: string | undefined;
}

/** The JSON the built-in protected API echoes for an accepted request. */
export interface ApiEcho {
  readonly ok: true;
  readonly origin: string;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  /** Parsed JSON, text, or `null` without a body. */
  readonly body: unknown;
  readonly contentType: string | null;
  /** Request headers without `authorization` and `cookie`. */
  readonly headers: Readonly<Record<string, string>>;
  /** 1 for the first access token the server issued, 2 for the next, ... (never the token itself). */
  readonly tokenSerial?: number;
  /** Last 6 characters of the access token. */
  readonly tokenSuffix?: string;
  /** Other and echo origins only: whether an Authorization header arrived. */
  readonly sawAuthorization?: boolean;
}

/** The emulation served on real 127.0.0.1 sockets (random ports). */
export interface ListeningOAuthServer {
  /** The listener's issuer (`http://127.0.0.1:<port>`). */
  readonly issuer: string;
  readonly authOrigin: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  readonly introspectionEndpoint: string;
  apiUrl(path: string): string;
  otherUrl(path: string): string;
  /** Closes the listeners and their open connections; safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
