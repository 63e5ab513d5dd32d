/** The contract between the shared conformance suite and one adapter (see notes/conformance-contract.md). */
import type { TokenManager } from '@tokenrelay/core';

export interface ConformanceRequest {
  /** Default `GET`. */
  readonly method?: string;
  /** An absolute URL. */
  readonly url: string;
  /** A JSON body; the client sends it with `content-type: application/json`. */
  readonly json?: unknown;
  /** The adapter's per-request opt-out: no token, no refresh. */
  readonly optOut?: boolean;
  readonly signal?: AbortSignal;
  /** Extra request headers (e.g. a `Cookie` of the caller's own). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The client's own per-request timeout: axios `timeout`, got `timeout.request`, ky `timeout`. */
  readonly timeoutMs?: number;
  /** With `ConformanceContext.managerOf`: whose request this is (the adapter's resolver picks that manager). */
  readonly user?: string;
}

export interface ConformanceResponse {
  readonly status: number;
  readonly body: unknown;
  /**
   * The error the client threw for this response, when it throws on such a status (axios, got and ky do for
   * 4xx/5xx). The suite checks it for secrets, as a caller might log it.
   */
  readonly error?: unknown;
}

export interface ConformanceClient {
  /**
   * HTTP responses of any status (401 and 503 included) resolve with that status: catch the client's HTTP error
   * and read its response. Everything else (tokenrelay errors, aborts, network) rejects with what the client threw.
   */
  request(req: ConformanceRequest): Promise<ConformanceResponse>;
  /** The tokenrelay error inside whatever the client threw (identity for axios, ky and fetch; `.cause` for got). */
  unwrapError(error: unknown): unknown;
  /** Whether the error is the client's own timeout error (what it throws when `timeoutMs` runs out). */
  isTimeoutError(error: unknown): boolean;
  /**
   * Every way the client lets a caller point a request at another base URL after the adapter was attached: a
   * per-request option (axios `baseURL`, got `prefixUrl`, ky `baseUrl` and `prefix`) or a derived client (axios
   * `defaults.baseURL` set later, got and ky `.extend()`). Each view's `request` takes a path relative to `base`.
   * Absent when the client has no base URL (fetch).
   */
  withBase?(base: string): readonly { readonly what: string; readonly client: ConformanceClient }[];
  dispose?(): void | Promise<void>;
}

export interface ConformanceContext {
  readonly manager: TokenManager;
  /** The origin the token is for: the client's base URL, or its `origins` option. */
  readonly apiOrigin: string;
  /** An origin that must never see the token. */
  readonly otherOrigin: string;
  /** A custom header for the token (the adapter's `headerName` option). */
  readonly headerName?: string;
  /**
   * Many users: the adapter is given a resolver (its per-request manager option) that picks
   * `managerOf(request.user)` from what the request carries; `manager` is then not used.
   */
  readonly managerOf?: (user: string) => TokenManager;
}

export type ScenarioName =
  | 'burst'
  | 'late-401s'
  | 'waves'
  | 'revoked-refresh-token'
  | 'token-endpoint-503'
  | 'proactive'
  | 'origins'
  | 'abort-timeout-queue'
  | 'redaction'
  | 'post-replay'
  | 'second-401'
  | 'client-retry'
  | 'opt-out'
  | 'exact-origins'
  | 'redirects'
  | 'refresh-token-scope'
  | 'derived-clients'
  | 'serializers'
  | 'unsafe-token'
  | 'cross-origin-headers'
  | 'client-timeout'
  | 'client-timeout-timers'
  | 'manager-resolver';

export interface ConformanceAdapter {
  /** Shown as the describe block, e.g. `axios@1.7.0`. */
  readonly name: string;
  makeClient(ctx: ConformanceContext): ConformanceClient;
  /** Scenarios the adapter cannot run, each with the reason (shown in the test output). */
  readonly skip?: Partial<Record<ScenarioName, string>>;
}
