import type { OAuthClient, OAuthCounters, OAuthFaults, RequestRecord, TokenFault } from './options.ts';
import type { TokenRegistry } from './token-registry.ts';

/** A registered client, defaults applied. */
export interface ResolvedClient {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly auth: NonNullable<OAuthClient['auth']>;
}

/** The resolved settings the endpoints read. */
export interface ServerConfig {
  readonly clients: readonly ResolvedClient[];
  readonly scope: string | undefined;
  readonly accessTokenTtl: number;
  readonly omitExpiresIn: boolean;
  readonly rotation: boolean;
}

/** The origins one transport serves; redirects and routing use them. */
export interface Origins {
  readonly auth: string;
  readonly api: string;
  readonly other: string;
}

/** Everything one emulator's endpoints share. */
export interface EmulationContext {
  /** The configured issuer (msw and `server.fetch`). */
  readonly issuer: string;
  readonly config: ServerConfig;
  readonly registry: TokenRegistry;
  readonly stats: Stats;
  readonly faults: FaultState;
}

/** Longest delay a fault may ask for: a latency fault must never stall a test for long. */
export const MAX_LATENCY_MS = 10_000;

/**
 * Waits `ms` milliseconds on `setTimeout` as it is at call time (fake timers must be advanced), clamped to
 * 0..MAX_LATENCY_MS; returns early when `signal` aborts.
 */
export function realDelay(ms: number, signal?: AbortSignal): Promise<void> {
  const bounded = Number.isFinite(ms) ? Math.min(Math.max(0, ms), MAX_LATENCY_MS) : 0;
  if (bounded === 0 || signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, bounded);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Replaces tokens the server issued and client secrets by placeholders; `undefined` keeps everything. */
export type Redact = ((text: string) => string) | undefined;

/** Runs `answer` and logs the request with the status it got (0: the connection was dropped). */
export async function recorded(
  stats: Stats,
  request: Request,
  answer: (request: Request) => Promise<Response>,
): Promise<Response> {
  const url = new URL(request.url);
  const redact = stats.redact ?? ((text: string) => text);
  const header = request.headers.get('authorization');
  // Read before `answer` consumes the body.
  const captured = stats.capture
    ? {
        headers: Object.fromEntries([...request.headers].map(([name, value]) => [name, redact(value)])),
        body: redact(await request.clone().text()),
      }
    : {};
  const response = await answer(request);
  stats.log.push({
    origin: url.origin,
    method: request.method,
    path: redact(url.pathname + url.search),
    authorization: header === null ? undefined : redact(header),
    status: response.type === 'error' ? 0 : response.status,
    ...captured,
  });
  if (stats.log.length > stats.logLimit) stats.log.splice(0, stats.log.length - stats.logLimit);
  return response;
}

/** The counters' writable side, shared by the endpoints of one emulator. */
export interface Stats {
  tokenCalls: number;
  successfulRefreshes: number;
  clientCredentialsGrants: number;
  reuseDetections: number;
  grantsRevoked: number;
  introspections: number;
  unauthorized: number;
  apiRequests: number;
  revocations: number;
  bearerAtTokenEndpoint: number;
  readonly log: RequestRecord[];
  /** Most records `log` keeps (the latest ones). */
  readonly logLimit: number;
  /** Whether records carry the request's headers and body. */
  readonly capture: boolean;
  readonly redact: Redact;
}

export function createStats(
  options: {
    readonly logLimit?: number | undefined;
    readonly capture?: boolean | undefined;
    readonly redact?: Redact;
  } = {},
): Stats {
  const logLimit = options.logLimit ?? Number.POSITIVE_INFINITY;
  if (!(logLimit >= 1)) throw new RangeError('requestLogLimit must be at least 1');
  return {
    tokenCalls: 0,
    successfulRefreshes: 0,
    clientCredentialsGrants: 0,
    reuseDetections: 0,
    grantsRevoked: 0,
    introspections: 0,
    unauthorized: 0,
    apiRequests: 0,
    revocations: 0,
    bearerAtTokenEndpoint: 0,
    log: [],
    logLimit,
    capture: options.capture ?? false,
    redact: options.redact,
  };
}

export function resetStats(stats: Stats): void {
  stats.tokenCalls = 0;
  stats.successfulRefreshes = 0;
  stats.clientCredentialsGrants = 0;
  stats.reuseDetections = 0;
  stats.grantsRevoked = 0;
  stats.introspections = 0;
  stats.unauthorized = 0;
  stats.apiRequests = 0;
  stats.revocations = 0;
  stats.bearerAtTokenEndpoint = 0;
  stats.log.length = 0;
}

/** A read-only live view of `stats`. */
export function countersView(stats: Stats): OAuthCounters {
  return {
    get tokenCalls() {
      return stats.tokenCalls;
    },
    get refreshes() {
      return stats.successfulRefreshes;
    },
    get successfulRefreshes() {
      return stats.successfulRefreshes;
    },
    get clientCredentialsGrants() {
      return stats.clientCredentialsGrants;
    },
    get reuseDetections() {
      return stats.reuseDetections;
    },
    get grantsRevoked() {
      return stats.grantsRevoked;
    },
    get introspections() {
      return stats.introspections;
    },
    get unauthorized() {
      return stats.unauthorized;
    },
    get apiRequests() {
      return stats.apiRequests;
    },
    get revocations() {
      return stats.revocations;
    },
    get bearerAtTokenEndpoint() {
      return stats.bearerAtTokenEndpoint;
    },
    get requestLog() {
      return [...stats.log];
    },
    requestsSeenBy(origin: string) {
      const wanted = new URL(origin).origin;
      return stats.log.filter((record) => record.origin === wanted);
    },
  };
}

export interface FaultState extends OAuthFaults {
  /** Takes the next scripted token fault. */
  take(): TokenFault | undefined;
}

export function createFaults(): FaultState {
  const queue: TokenFault[] = [];
  return {
    tokenLatency: 0,
    apiLatency: undefined,
    unavailableRemaining: 0,
    unavailableRetryAfterSeconds: undefined,
    enqueue(...faults: TokenFault[]) {
      queue.push(...faults);
    },
    get pending() {
      return queue.length;
    },
    take() {
      return queue.shift();
    },
    clear() {
      queue.length = 0;
      this.tokenLatency = 0;
      this.apiLatency = undefined;
      this.unavailableRemaining = 0;
      this.unavailableRetryAfterSeconds = undefined;
    },
  };
}
