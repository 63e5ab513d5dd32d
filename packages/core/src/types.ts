/**
 * The public contract of @tokenrelay/core. No HTTP-client types live here.
 */

/** The tokens the manager holds. Times are epoch milliseconds on the manager's clock. */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  /** Authorization scheme, `Bearer` when absent. */
  readonly tokenType?: string | undefined;
  /** When the access token expires; `undefined` means unknown (the manager then relies on 401s). */
  readonly expiresAt?: number | undefined;
  /** When these tokens were received; used to clamp the skew and to spot a clock that went backwards. */
  readonly issuedAt?: number | undefined;
  readonly scope?: string | undefined;
  /**
   * The store version of these tokens (a fence). Every write the manager makes carries a version one above the
   * tokens it replaces; a store refuses a write whose version is not above the one it holds
   * (`StoreConflictError`), so a late or stale write never replaces newer tokens. `undefined`: never versioned
   * (a store treats it as 0 when comparing; an unversioned write is unconditional).
   */
  readonly version?: number | undefined;
}

/**
 * What a refresh function returns. `expiresIn` (seconds, as in RFC 6749 section 5.1) is turned into
 * `expiresAt` by the manager; a missing `refreshToken` keeps the previous one (no rotation).
 */
export interface RefreshResult {
  readonly accessToken: string;
  readonly refreshToken?: string | undefined;
  readonly tokenType?: string | undefined;
  readonly expiresIn?: number | undefined;
  readonly expiresAt?: number | undefined;
  readonly scope?: string | undefined;
}

export interface RefreshContext {
  /** The tokens being refreshed; `undefined` when the manager holds none (e.g. a client-credentials grant). */
  readonly tokens: TokenSet | undefined;
  readonly refreshToken: string | undefined;
  /** Aborted when the manager is disposed, cleared, or given new tokens while this refresh runs. */
  readonly signal: AbortSignal;
  /** The manager's clock. */
  readonly now: () => number;
}

/**
 * Obtains new tokens. Throw a `TokenEndpointError` to say whether the failure is transient, terminal or a
 * configuration error; any other thrown value counts as transient.
 */
export type RefreshFunction = (context: RefreshContext) => Promise<RefreshResult>;

export interface RevokeContext {
  /** The tokens held when `revoke()` was called. */
  readonly tokens: TokenSet | undefined;
  readonly signal: AbortSignal;
  readonly now: () => number;
}

/** Revokes tokens at the authorization server (logout), e.g. `oauth2Revoke()` (RFC 7009). */
export type RevokeFunction = (context: RevokeContext) => Promise<void>;

/** A timer handle as returned by `Clock.setTimeout`. */
export type TimerHandle = unknown;

/** Time, injected so that tests can use a fake clock. */
export interface Clock {
  now(): number;
  /** The manager calls `unref()` on the handle when it has one, so its timers never keep a process alive. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Options every store call takes. */
export interface StoreCallOptions {
  /**
   * Aborted when nobody waits for the call any more (the manager's store timeout, the request's own signal,
   * `dispose()`). A store stops waiting for its backend then and rejects with the signal's reason.
   */
  readonly signal?: AbortSignal | undefined;
}

export interface StoreClearOptions extends StoreCallOptions {
  /**
   * Remove the tokens only while the stored version is at most this one (a terminal failure of those tokens must
   * not remove newer tokens another process wrote); refused with `StoreConflictError` otherwise. Omitted: remove
   * unconditionally (logout).
   */
  readonly version?: number | undefined;
}

/** What `TokenStore.lock` hands to the function it runs while the lock is held. */
export interface HeldLock {
  /** Fires when the lock is lost (e.g. a lease that could not be extended); the refresh is aborted with it. */
  readonly signal: AbortSignal;
  /**
   * Resolves while the lock is still held with enough lease left to make a token request; rejects with a
   * `LockError` otherwise. The manager calls it right before the refresh function sends anything, so a holder
   * that was paused past its lease sends nothing.
   */
  confirm(): Promise<void>;
}

/**
 * Where tokens are kept between runs, processes or tabs. A store never answers "no tokens" for a read that
 * failed: it rejects (a `StoreError`), and the manager keeps what it has. Only `clear()` removes tokens.
 */
export interface TokenStore {
  get(options?: StoreCallOptions): Promise<TokenSet | undefined>;
  /** Writes `tokens`; rejects with `StoreConflictError` when the store holds a version >= `tokens.version`. */
  set(tokens: TokenSet, options?: StoreCallOptions): Promise<void>;
  clear(options?: StoreClearOptions): Promise<void>;
  /**
   * Runs `fn` while holding a lock shared with other processes or tabs (one per grant). The acquire is bounded by
   * `options.signal` (and the store's own acquire timeout): a `LockError` with reason `acquire-timeout` then.
   */
  lock?<T>(fn: (lock: HeldLock) => Promise<T>, options?: StoreCallOptions): Promise<T>;
  /**
   * Calls `listener` with the tokens another process or tab wrote (`undefined`: they were cleared); returns an
   * unsubscribe function. The manager adopts newer versions without a refresh.
   */
  subscribe?(listener: (tokens: TokenSet | undefined) => void): () => void;
}

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  readonly attempts?: number;
  /** First backoff delay in ms. Default 250. */
  readonly baseDelayMs?: number;
  /** Largest backoff delay in ms, `Retry-After` included. Default 30_000. */
  readonly maxDelayMs?: number;
}

export interface QueueOptions {
  /** Most requests that may wait for one refresh (an integer >= 1). Default 10_000. */
  readonly maxWaiters?: number;
  /**
   * How long a request waits for a refresh (or the first store read) before `WaitTimeoutError`. Default 30_000 ms.
   * Any value >= 1 works, 2^31 ms and more included; `Infinity` means no timeout (the request's own signal and
   * `dispose()` still end the wait). While a request waits, the process is kept alive.
   */
  readonly waitTimeoutMs?: number;
}

/** Why a refresh started: the token expired, a server answered 401, or it is about to expire (proactive). */
export type RefreshReason = 'expired' | 'unauthorized' | 'proactive';

export interface TokenManagerEvents {
  /** New tokens, or `undefined` when cleared; for persistence outside a store. */
  tokens: TokenSet | undefined;
  /** A refresh attempt starts. */
  refresh: { readonly reason: RefreshReason; readonly attempt: number };
  /** A refresh succeeded. */
  refreshed: { readonly expiresAt: number | undefined };
  /** A refresh attempt failed; `willRetry` says whether another attempt is scheduled. */
  'refresh-failed': { readonly error: Error; readonly attempt: number; readonly willRetry: boolean };
  /** The refresh token is no longer usable; the user has to sign in again. Emitted once per loss. */
  'reauth-required': { readonly error: Error };
  /** The store failed; the manager carries on with the tokens it holds in memory. */
  'store-error': { readonly error: Error };
  /**
   * The API rejected (401) an access token the token endpoint had just issued: the next refresh is backed off
   * (`error.retryAfterMs`), exponentially while it repeats. Usually a wrong audience or a clock skew at the API.
   */
  'token-rejected': { readonly error: Error };
}

export type TokenManagerEventName = keyof TokenManagerEvents;

/**
 * Options of `createTokenManager()`. Every option is checked at creation: a value that cannot work throws a
 * `ConfigurationError` that names the option.
 */
export interface TokenManagerOptions {
  /** Initial tokens (checked like every token set: a header-safe access token). When absent, the store is read on first use. */
  readonly tokens?: TokenSet | undefined;
  /** Required. */
  readonly refresh: RefreshFunction;
  /** Used by `manager.revoke()` to revoke the tokens at the server (logout), e.g. `oauth2Revoke()`. */
  readonly revoke?: RevokeFunction | undefined;
  /** Default `memoryStore()`. */
  readonly store?: TokenStore | undefined;
  /** Refresh this long before expiry (finite, >= 0). Default 60_000 ms, clamped to half the token's lifetime. */
  readonly skewMs?: number | undefined;
  /**
   * Refresh ahead of expiry for tokens in use, so requests rarely wait. Default true. A request inside the skew
   * window starts a background refresh; the timer is armed only once a request used the current token, so an idle
   * manager makes no token calls. Refreshes nobody waits for are at least 1 s apart, whatever the server returns.
   */
  readonly proactive?: boolean | undefined;
  /**
   * Bound on each store call (read, write, clear), in ms (>= 1, `Infinity`: none). Default 5_000. A read that fails
   * or times out rejects the requests that needed it with a `StoreError` (the next request reads again); a write
   * that fails or times out is reported as `store-error` and the manager carries on from memory.
   */
  readonly storeTimeoutMs?: number | undefined;
  readonly retry?: RetryOptions | undefined;
  readonly queue?: QueueOptions | undefined;
  readonly clock?: Clock | undefined;
  /** Source of randomness for backoff jitter, in [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined;
}

export type TokenManagerStatus = 'idle' | 'refreshing' | 'backoff' | 'reauth-required';

export interface GetAccessTokenOptions {
  /** Ends the wait with the signal's reason. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Waits at most this many milliseconds (never longer than `queue.waitTimeoutMs`), then rejects with a
   * `WaitTimeoutError` whose `limit` is `'request'`. For a client's own timeout: it costs no timer of its own (one
   * timer serves every waiting request, whatever their limits). A number >= 0, or `Infinity`.
   */
  readonly timeoutMs?: number | undefined;
}

export interface RefreshOptions extends GetAccessTokenOptions {
  /** The access token a request was rejected with. A stale one (already replaced) never starts a refresh. */
  readonly failedToken?: string | undefined;
}

/** What an adapter puts on a request. */
export interface AccessToken {
  readonly token: string;
  /** The scheme for the Authorization header, e.g. `Bearer`. */
  readonly type: string;
}

export interface TokenManager {
  /** The current token at once when fresh; otherwise waits for the one refresh in flight. */
  getAccessToken(options?: GetAccessTokenOptions): Promise<AccessToken>;
  /**
   * The token `getAccessToken()` would resolve to at once, returned synchronously; `undefined` whenever it would
   * do anything else (wait for a refresh or the store, start a refresh, fail). It never starts, schedules or
   * counts anything, so a caller that gets `undefined` calls `getAccessToken()`. It answers once a token is in
   * steady use (after the first few requests it went to). For adapters' hot path: a fresh token without a promise.
   */
  peekAccessToken(): AccessToken | undefined;
  /** After a 401: refreshes unless `failedToken` is stale, and returns the token to replay with. */
  refresh(options?: RefreshOptions): Promise<AccessToken>;
  setTokens(tokens: TokenSet): Promise<void>;
  clear(): Promise<void>;
  /**
   * Logout: waits for a refresh in flight, clears the tokens (every waiting and later request gets
   * `ReauthRequiredError`), then revokes them at the server with the `revoke` option, when given. A revocation
   * that fails rejects with its `TokenEndpointError`; the local tokens are gone either way.
   */
  revoke(options?: { readonly signal?: AbortSignal | undefined }): Promise<void>;
  /** Stops timers and rejects waiters; the manager cannot be used afterwards. */
  dispose(): void;
  readonly state: TokenManagerStatus;
  /** Number of requests waiting for a refresh. */
  readonly waiting: number;
  on<E extends TokenManagerEventName>(
    event: E,
    listener: (payload: TokenManagerEvents[E]) => void,
  ): () => void;
}
