/**
 * The correctness scenarios, every library in turn against the same emulation (rotation and reuse detection on),
 * in one run. Each scenario starts from a fresh grant (the emulation is reset) and a fresh client. Every request is
 * bounded: one that has not settled after `hangAfterMs` is counted as hung (and left to the client's close).
 *
 * - burst: `burst` concurrent GETs with a token that is expired for the server and the client.
 * - late401: the client believes its token fresh, the server has expired it; half of `late` concurrent requests
 *   are answered at once, the other half `lateDelayMs` (400) later, after the first refresh finished: "late" 401s.
 * - waves: `waves` waves of `waveSize` concurrent GETs; before each, the server expires the access tokens.
 * - revoked: the grant is revoked (and its access token expired) at the server; `late` concurrent GETs.
 * - 503: the token endpoint answers 503 twice (`Retry-After: 0`) before it works; `late` concurrent GETs with an
 *   expired token.
 * - crossOrigin: one GET to an absolute URL on a third-party origin; does it carry the token?
 * - redirect: one GET that the API redirects (302) to the third-party origin; does the token follow?
 */
import type { Emulation, EmulationCounts } from './emulation.ts';
import { type LibrarySpec, type Outcome, versionOf } from './libraries.ts';

export const SCENARIOS = ['burst', 'late401', 'waves', 'revoked', '503', 'crossOrigin', 'redirect'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface ScenarioSizes {
  readonly burst: number;
  readonly late: number;
  readonly waves: number;
  readonly waveSize: number;
  /** How late the late half of the late-401 scenario is answered. */
  readonly lateDelayMs: number;
  readonly hangAfterMs: number;
}

export const DEFAULT_SIZES: ScenarioSizes = {
  burst: 200,
  late: 20,
  waves: 5,
  waveSize: 20,
  lateDelayMs: 400,
  hangAfterMs: 15_000,
};

export interface ScenarioResult {
  readonly library: string;
  readonly scenario: Scenario;
  readonly requests: number;
  readonly successes: number;
  readonly hung: number;
  /** Outcome (HTTP status, or -1 for a rejection without a response) -> count. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly tokenCalls: number;
  readonly reuseDetections: number;
  /** API requests that went out without a token. */
  readonly unauthenticated: number;
  /** Requests that carried the token to the third-party origin. */
  readonly leaked: number;
  readonly wallMs: number;
  /** What tokenrelay promises for this scenario, and whether this row keeps it. */
  readonly expected: string;
  readonly asExpected: boolean;
  readonly error?: string;
}

const HUNG = -2;

const bounded = (call: Promise<Outcome>, ms: number): Promise<Outcome> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), ms);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Plan {
  readonly expiredAtServer: boolean;
  readonly expiredAtClient: boolean;
  /** After the client exists, before the requests. */
  prepare?(emulation: Emulation): Promise<void>;
  run(get: (path: string, other?: boolean) => Promise<Outcome>, emulation: Emulation): Promise<Outcome[]>;
  readonly expected: string;
  check(result: Omit<ScenarioResult, 'expected' | 'asExpected'>): boolean;
}

const concurrent = (count: number, get: () => Promise<Outcome>): Promise<Outcome[]> =>
  Promise.all(Array.from({ length: count }, get));

function plans(sizes: ScenarioSizes): Record<Scenario, Plan> {
  const allOk = (r: Omit<ScenarioResult, 'expected' | 'asExpected'>): boolean =>
    r.successes === r.requests && r.hung === 0 && r.reuseDetections === 0;
  return {
    burst: {
      expiredAtServer: true,
      expiredAtClient: true,
      run: (get) => concurrent(sizes.burst, () => get('/data')),
      expected: `1 token call, ${sizes.burst}/${sizes.burst} succeed`,
      check: (r) => allOk(r) && r.tokenCalls === 1,
    },
    late401: {
      expiredAtServer: true,
      expiredAtClient: false,
      prepare: (emulation) => {
        const half = Math.floor(sizes.late / 2);
        return emulation.setApiLatency([[half, sizes.late, sizes.lateDelayMs]]);
      },
      run: (get) => concurrent(sizes.late, () => get('/data')),
      expected: `1 token call, ${sizes.late}/${sizes.late} succeed`,
      check: (r) => allOk(r) && r.tokenCalls === 1,
    },
    waves: {
      expiredAtServer: false,
      expiredAtClient: false,
      async run(get, emulation) {
        const all: Outcome[] = [];
        for (let wave = 0; wave < sizes.waves; wave++) {
          await emulation.expireAccessTokens();
          all.push(...(await concurrent(sizes.waveSize, () => get('/data'))));
        }
        return all;
      },
      expected: `${sizes.waves} token calls (1 per expiry), all succeed`,
      check: (r) => allOk(r) && r.tokenCalls === sizes.waves,
    },
    revoked: {
      expiredAtServer: true,
      expiredAtClient: false,
      prepare: (emulation) => emulation.revokeGrants(),
      run: (get) => concurrent(sizes.late, () => get('/data')),
      expected: '1 token call, every request fails at once (re-login needed), none unauthenticated',
      check: (r) => r.tokenCalls === 1 && r.hung === 0 && r.unauthenticated === 0,
    },
    '503': {
      expiredAtServer: true,
      expiredAtClient: true,
      prepare: (emulation) =>
        emulation.enqueueTokenFaults([
          { type: 'status', status: 503, retryAfterSeconds: 0 },
          { type: 'status', status: 503, retryAfterSeconds: 0 },
        ]),
      run: (get) => concurrent(sizes.late, () => get('/data')),
      expected: `3 token calls (2 answered 503, then 1 refresh), ${sizes.late}/${sizes.late} succeed`,
      check: (r) => allOk(r) && r.tokenCalls === 3,
    },
    crossOrigin: {
      expiredAtServer: false,
      expiredAtClient: false,
      run: async (get) => [await get('/status/200', true)],
      expected: 'the token is not sent to the other origin',
      check: (r) => r.leaked === 0 && r.hung === 0,
    },
    redirect: {
      expiredAtServer: false,
      expiredAtClient: false,
      run: async (get) => [await get('/redirect/302/landing')],
      expected: 'the token does not follow the redirect',
      check: (r) => r.leaked === 0 && r.hung === 0,
    },
  };
}

const delta = (after: EmulationCounts, before: EmulationCounts, key: keyof EmulationCounts): number =>
  after[key] - before[key];

export async function runScenario(
  emulation: Emulation,
  spec: LibrarySpec,
  scenario: Scenario,
  sizes: ScenarioSizes = DEFAULT_SIZES,
): Promise<ScenarioResult> {
  const plan = plans(sizes)[scenario];
  await emulation.reset();
  const tokens = await emulation.issue({
    expiredAtServer: plan.expiredAtServer,
    expiredAtClient: plan.expiredAtClient,
  });
  const base = { library: spec.id, scenario, expected: plan.expected };
  let library: Awaited<ReturnType<LibrarySpec['create']>>;
  try {
    library = await spec.create({ emulation, tokens, pool: 64, maxWaiters: 10_000 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ...base,
      requests: 0,
      successes: 0,
      hung: 0,
      outcomes: {},
      tokenCalls: 0,
      reuseDetections: 0,
      unauthenticated: 0,
      leaked: 0,
      wallMs: 0,
      asExpected: false,
      error: message,
    };
  }
  try {
    await plan.prepare?.(emulation);
    const before = await emulation.counts();
    const get = (path: string, other = false): Promise<Outcome> =>
      bounded(
        library.get(`${other ? emulation.otherOrigin : emulation.apiOrigin}${path}`),
        sizes.hangAfterMs,
      );
    const started = performance.now();
    const outcomes = await plan.run(get, emulation);
    const wallMs = performance.now() - started;
    // Let a refresh that a late response started finish, so that its token call is counted.
    await sleep(50);
    const after = await emulation.counts();
    const histogram: Record<string, number> = {};
    for (const outcome of outcomes) {
      const key = outcome === HUNG ? 'hung' : String(outcome);
      histogram[key] = (histogram[key] ?? 0) + 1;
    }
    const result = {
      ...base,
      requests: outcomes.length,
      successes: outcomes.filter((outcome) => outcome >= 200 && outcome < 300).length,
      hung: outcomes.filter((outcome) => outcome === HUNG).length,
      outcomes: histogram,
      tokenCalls: delta(after, before, 'tokenCalls'),
      reuseDetections: delta(after, before, 'reuseDetections'),
      unauthenticated: delta(after, before, 'unauthenticated'),
      leaked: delta(after, before, 'leakedToOther'),
      wallMs,
    };
    return { ...result, asExpected: plan.check(result) };
  } finally {
    library.close();
  }
}

export interface PeersReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly sizes: ScenarioSizes;
  readonly versions: Readonly<Record<string, string>>;
  readonly libraries: readonly { readonly id: string; readonly label: string; readonly kind: string }[];
  readonly results: readonly ScenarioResult[];
}

export async function runPeers(
  emulation: Emulation,
  specs: readonly LibrarySpec[],
  sizes: ScenarioSizes = DEFAULT_SIZES,
  log: (line: string) => void = () => {},
): Promise<PeersReport> {
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  for (const spec of specs) {
    for (const scenario of SCENARIOS) {
      const result = await runScenario(emulation, spec, scenario, sizes);
      results.push(result);
      log(
        `${spec.id.padEnd(28)} ${scenario.padEnd(11)} ${String(result.successes).padStart(4)}/${result.requests} ok, ` +
          `${result.tokenCalls} token calls, ${result.reuseDetections} reuse, ${result.hung} hung, ` +
          `${result.leaked} leaked, ${result.unauthenticated} unauth, ${result.wallMs.toFixed(0)} ms` +
          `${result.error ? ` ERROR ${result.error}` : ''}`,
      );
    }
  }
  const versions: Record<string, string> = { node: process.version };
  for (const name of ['axios', 'got', 'ky', 'undici', 'axios-auth-refresh', 'axios-jwt']) {
    versions[name] = versionOf(name);
  }
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    sizes,
    versions,
    libraries: specs.map(({ id, label, kind }) => ({ id, label, kind })),
    results,
  };
}
