import type {
  ApiRequestRecord,
  ClientAuthMethod,
  OAuthCounters,
  OAuthFaults,
  TokenFault,
} from './oauth-types.ts';
import type { TokenRegistry } from './token-registry.ts';

/** The resolved settings the endpoints read. */
export interface ServerConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientAuth: ClientAuthMethod;
  readonly scope: string | undefined;
  readonly accessTokenTtlMs: number;
  readonly omitExpiresIn: boolean;
}

/** The origins one transport serves; redirects and routing use them. */
export interface Origins {
  readonly auth: string;
  readonly api: string;
  readonly other: string;
}

/** Everything one emulator's endpoints share. */
export interface EmulationContext {
  readonly config: ServerConfig;
  readonly registry: TokenRegistry;
  readonly stats: Stats;
  readonly faults: FaultState;
}

/** Longest delay a fault may ask for: a latency fault must never stall a test for long. */
export const MAX_LATENCY_MS = 10_000;

/** Waits `ms` real milliseconds (clamped to 0..MAX_LATENCY_MS); returns early when `signal` aborts. */
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

/** Runs `answer` and logs the request with the status it got (0: the connection was dropped). */
export async function recorded(
  stats: Stats,
  request: Request,
  answer: (request: Request) => Promise<Response>,
): Promise<Response> {
  const url = new URL(request.url);
  const authorization = request.headers.get('authorization') ?? undefined;
  // Read before `answer` consumes the body.
  const captured = stats.capture
    ? { headers: Object.fromEntries(request.headers), body: await request.clone().text() }
    : {};
  const response = await answer(request);
  stats.log.push({
    origin: url.origin,
    method: request.method,
    path: url.pathname + url.search,
    authorization,
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
  reuseDetections: number;
  unauthorized: number;
  apiRequests: number;
  revocations: number;
  bearerAtTokenEndpoint: number;
  readonly log: ApiRequestRecord[];
  /** Most records `log` keeps (the latest ones). */
  readonly logLimit: number;
  /** Whether records carry the request's headers and body. */
  readonly capture: boolean;
}

export function createStats(
  options: { readonly logLimit?: number | undefined; readonly capture?: boolean | undefined } = {},
): Stats {
  const logLimit = options.logLimit ?? Number.POSITIVE_INFINITY;
  if (!(logLimit >= 1)) throw new RangeError('requestLogLimit must be at least 1');
  return {
    tokenCalls: 0,
    successfulRefreshes: 0,
    reuseDetections: 0,
    unauthorized: 0,
    apiRequests: 0,
    revocations: 0,
    bearerAtTokenEndpoint: 0,
    log: [],
    logLimit,
    capture: options.capture ?? false,
  };
}

export function resetStats(stats: Stats): void {
  stats.tokenCalls = 0;
  stats.successfulRefreshes = 0;
  stats.reuseDetections = 0;
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
    get successfulRefreshes() {
      return stats.successfulRefreshes;
    },
    get reuseDetections() {
      return stats.reuseDetections;
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
      this.apiLatency = undefined;
      this.unavailableRemaining = 0;
      this.unavailableRetryAfterSeconds = undefined;
    },
  };
}
