/** Public types of the OAuth2 authorization server + protected API emulation. */

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/** A fetch-compatible function. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface OAuthServerOptions {
  /** Time source for token lifetimes. Default `Date.now`. A `FakeClock` fits. */
  readonly clock?: { now(): number } | undefined;
  /** Access-token lifetime. Default 60_000 ms. */
  readonly accessTokenTtlMs?: number | undefined;
  /** Leave `expires_in` out of token responses (tokens still expire after `accessTokenTtlMs`). */
  readonly omitExpiresIn?: boolean | undefined;
  /** Issue a new refresh token on every refresh. Default true; when false no `refresh_token` is returned. */
  readonly rotateRefreshTokens?: boolean | undefined;
  /** RFC 9700: an already-used refresh token revokes its whole grant. Default true. */
  readonly reuseDetection?: boolean | undefined;
  /** A refresh revokes the grant's earlier access tokens at once. Default false (they live out their TTL). */
  readonly revokeAccessTokensOnRefresh?: boolean | undefined;
  /** Default `tokenrelay-client`. */
  readonly clientId?: string | undefined;
  /** Default `tokenrelay-secret`. Ignored with `clientAuth: 'none'`. */
  readonly clientSecret?: string | undefined;
  /** How the client must authenticate at the token endpoint. Default `client_secret_basic`. */
  readonly clientAuth?: ClientAuthMethod | undefined;
  /** Scope returned with tokens; none when absent. */
  readonly scope?: string | undefined;
  /** Origins for msw and `emu.fetch`. Defaults `https://auth.example.test`, `https://api.example.test`. */
  readonly authOrigin?: string | undefined;
  readonly apiOrigin?: string | undefined;
  /** A third-party origin that `/redirect/*` points at. Default `https://other.example.test`. */
  readonly otherOrigin?: string | undefined;
  /**
   * More third-party origins, answered like the other origin (msw handlers and `emu.fetch` only; `listen()` does
   * not serve them): for origin-scoping tests with another scheme or port, a subdomain, a look-alike host.
   */
  readonly echoOrigins?: readonly string[] | undefined;
  /** Record every request's headers and body in the request log (test-only: they hold tokens). Default false. */
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
  /** Waits `ms` (real time, bounded) before handling the call normally. */
  | { readonly type: 'latency'; readonly ms: number };

export interface OAuthFaults {
  /** Appends token-endpoint faults; each `POST /token` call consumes the first one. */
  enqueue(...faults: TokenFault[]): void;
  /** Token faults not yet consumed. */
  readonly pending: number;
  /** Drops every scripted fault and API setting. */
  clear(): void;
  /** Real-time delay for the n-th API-origin request (0-based, as counted by `apiRequests`). */
  apiLatency: ((requestIndex: number) => number) | undefined;
  /** How many more requests to `{api}/unavailable` answer 503 before it behaves like any other path. */
  unavailableRemaining: number;
  /** `Retry-After` sent with those 503s. */
  unavailableRetryAfterSeconds: number | undefined;
}

/** One request an origin received (auth, API or other). Test-only: it holds the Authorization header. */
export interface ApiRequestRecord {
  readonly origin: string;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly authorization: string | undefined;
  /** The status the emulation answered; 0 when it dropped the connection. */
  readonly status: number;
  /** With `captureRequests`: every request header (lower-case names), `authorization` included. */
  readonly headers?: Readonly<Record<string, string>>;
  /** With `captureRequests`: the request body as text (`''` without one). */
  readonly body?: string;
}

export interface OAuthCounters {
  /** Every `POST /token` call, faulted or not. */
  readonly tokenCalls: number;
  readonly successfulRefreshes: number;
  /** Refresh tokens presented after they had been used (each revoked a grant when detection is on). */
  readonly reuseDetections: number;
  /** 401 answers from the API. */
  readonly unauthorized: number;
  /** Requests to the API origin. */
  readonly apiRequests: number;
  /** Successful `POST /revoke` calls. */
  readonly revocations: number;
  /** Token-endpoint calls that carried a `Bearer` Authorization header (a client intercepting its own refresh). */
  readonly bearerAtTokenEndpoint: number;
  /**
   * Every request any origin (auth, API, other, echo origins) received, in the order they were answered; the
   * latest `requestLogLimit` of them when that option is set.
   */
  readonly requestLog: readonly ApiRequestRecord[];
  /** The requests one origin received. */
  requestsSeenBy(origin: string): readonly ApiRequestRecord[];
}

/** What a login would hand the client. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Seconds; `undefined` with `omitExpiresIn`. */
  readonly expiresIn: number | undefined;
}

/** The JSON the protected API echoes for an accepted request. */
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

/** The emulation running on real loopback sockets. */
export interface ListeningOAuthServer {
  readonly authOrigin: string;
  readonly apiOrigin: string;
  readonly otherOrigin: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  apiUrl(path: string): string;
  otherUrl(path: string): string;
  /** Closes the listeners and their open connections; safe to call twice. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
