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
  dispose?(): void | Promise<void>;
}

export interface ConformanceContext {
  readonly manager: TokenManager;
  /** The origin the token is for: the client's base URL, or its `origins` option. */
  readonly apiOrigin: string;
  /** An origin that must never see the token. */
  readonly otherOrigin: string;
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
  | 'refresh-token-scope';

export interface ConformanceAdapter {
  /** Shown as the describe block, e.g. `axios@1.7.0`. */
  readonly name: string;
  makeClient(ctx: ConformanceContext): ConformanceClient;
  /** Scenarios the adapter cannot run, each with the reason (shown in the test output). */
  readonly skip?: Partial<Record<ScenarioName, string>>;
}
