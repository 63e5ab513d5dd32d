/**
 * Steady-state overhead of each tokenrelay adapter over its bare client (axios, got, ky, fetch).
 *
 * A bare client sends a static `Authorization: Bearer <token>` header; the floor is the same client with the least
 * hooks an adapter needs (set that header, pass the response through); the same client wrapped by its adapter gets
 * that token from a manager that holds it fresh for an hour, so no refresh runs while we measure; for axios the
 * peers (axios-auth-refresh, axios-jwt) hold it too. All send the same requests to a local node:http server (a child
 * process) that checks the header and answers a small JSON body. The variants take turns request by request
 * (sequential) or wave by wave (BENCH_CONCURRENCY requests started together), in rounds, after a warm-up; see
 * measure.ts. Each client is measured in processes of its own, as an application loads one HTTP client and its
 * adapter: in one process, the kit's shared code would also be shaped by the three other adapters, which an
 * application does not run (on 2026-12-03, sequentially: fetch 1.039 in one shared process against 1.025 alone, got
 * 1.041 against 1.035, axios and ky the same within 0.2 points). Each client runs in
 * BENCH_PROCESSES processes, one after another, and their rounds are pooled: the ratio an adapter shows moved by up
 * to 2 points from one process to the next in the runs of 2026-12-03 (and a process's CPU per request by up to
 * 1.6x, bare included), while two copies of the adapter in one process agreed within 0.5 points. The target is
 * tokenrelay/bare <= 1.03 in wall time per request, or tokenrelay/floor <= 1.01 where the floor itself is above
 * that; the client's CPU time per request is reported beside it.
 *
 *   corepack pnpm run bench                      # everything (peers, scale, overhead), then the reports
 *   corepack pnpm exec node bench/overhead.ts    # this part alone, the packages as last built
 *
 * Environment: BENCH_REQUESTS (per variant per round, default 150), BENCH_ROUNDS (default 20), BENCH_WARMUP
 * (requests per variant before measuring, default 300), BENCH_CONCURRENCY (default 20), BENCH_CLIENTS (comma list,
 * default axios,got,ky,fetch), BENCH_PROCESSES (per client, default 3), BENCH_TIMEOUT_MS (whole run, default
 * 300000).
 */

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CLIENT_NAMES, type ClientName, isClientName, type Subject, subjects } from './clients.ts';
import {
  collectRounds,
  type Measurement,
  type MeasureOptions,
  type Mode,
  type Round,
  summarize,
} from './measure.ts';
import { overheadTable } from './report.ts';
import { startBenchServer } from './server.ts';

const envInt = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
};

const selectedClients = (): ClientName[] => {
  const raw = process.env.BENCH_CLIENTS;
  if (raw === undefined || raw.trim() === '') return [...CLIENT_NAMES];
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !isClientName(name));
  if (unknown.length > 0) throw new RangeError(`BENCH_CLIENTS: unknown client(s) ${unknown.join(', ')}`);
  return names.filter(isClientName);
};

const defaultOptions: MeasureOptions = {
  requests: envInt('BENCH_REQUESTS', 150, 1),
  rounds: envInt('BENCH_ROUNDS', 20, 2),
  warmup: envInt('BENCH_WARMUP', 300, 0),
  concurrency: envInt('BENCH_CONCURRENCY', 20, 2),
  target: 1.03,
};
const defaultProcesses = envInt('BENCH_PROCESSES', 3, 1);
const timeoutMs = envInt('BENCH_TIMEOUT_MS', 300_000, 1_000);

/** JWT-shaped (axios-jwt decodes it), valid for a day; the server accepts exactly this token. */
const TOKEN = [
  Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'),
  Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 86_400, sub: 'bench' })).toString(
    'base64url',
  ),
  'bench',
].join('.');

/** The flag that makes this file a child measuring one client: `<flag> <client> <origin> <token> <options JSON>`. */
const ROLE_FLAG = '--tokenrelay-bench-overhead-client';

const firstLine = (error: unknown): string =>
  error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);

export interface OverheadReport {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly measurements: readonly Measurement[];
  readonly skipped: readonly { readonly client: ClientName; readonly reason: string }[];
  readonly problems: readonly string[];
}

/** What a run measures; by default from the environment (see the comment at the top). */
export interface OverheadSettings {
  readonly clients: readonly ClientName[];
  readonly options: MeasureOptions;
  /** Processes per client, one after another; their rounds are pooled. */
  readonly processes: number;
}

const MODES: readonly Mode[] = ['sequential', 'concurrent'];

export async function runOverhead(
  log: (line: string) => void = console.log,
  { clients, options, processes }: OverheadSettings = {
    clients: selectedClients(),
    options: defaultOptions,
    processes: defaultProcesses,
  },
): Promise<OverheadReport> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const server = await startBenchServer(TOKEN);
  const measurements: Measurement[] = [];
  const skipped: { client: ClientName; reason: string }[] = [];
  const problems: string[] = [];
  try {
    for (const client of clients) {
      const pooled: Record<Mode, Round[]> = { sequential: [], concurrent: [] };
      let names: readonly string[] = [];
      for (let p = 1; p <= processes; p++) {
        const before = await server.counts();
        const outcome = await measureInChild(client, server.origin, options);
        const after = await server.counts();
        if ('skipped' in outcome) {
          // An adapter that is not built (or is mid-edit) is reported and skipped; the others still run.
          skipped.push({ client, reason: outcome.skipped });
          log(`${client}: skipped (${outcome.skipped})`);
          break;
        }
        if ('error' in outcome) {
          problems.push(`${client}: ${outcome.error}`);
          log(`${client}: failed (${outcome.error})`);
          break;
        }
        const unauthorized = after.unauthorized - before.unauthorized;
        if (unauthorized > 0) problems.push(`${client}: the server answered ${unauthorized} 401s`);
        if (outcome.refreshes > 0) {
          problems.push(`${client}: ${outcome.refreshes} refreshes ran; the run was not steady state`);
        }
        names = outcome.names;
        for (const mode of MODES) {
          const rounds = outcome.rounds[mode];
          pooled[mode].push(...rounds);
          log(
            `${client.padEnd(5)} ${mode.padEnd(10)} process ${p}/${processes}: ${ratios(summarize(client, names, mode, rounds, options))}`,
          );
        }
      }
      // No process measured (skipped, or the first one failed).
      if (names.length === 0) continue;
      for (const mode of MODES) {
        const result = summarize(client, names, mode, pooled[mode], options);
        measurements.push(result);
        log(`${client.padEnd(5)} ${mode.padEnd(10)} pooled: ${ratios(result)}`);
      }
    }
  } finally {
    const counts = await server.close();
    log(`server: ${counts.ok} authorized requests, ${counts.unauthorized} 401s`);
  }

  return {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    config: {
      requestsPerVariantPerRound: options.requests,
      rounds: options.rounds,
      processesPerClient: processes,
      warmupRequests: options.warmup,
      concurrency: options.concurrency,
      target: `tokenrelay/bare wall time per request <= ${options.target}, or tokenrelay/floor <= 1.01`,
      loadavgBefore: loadBefore,
    },
    measurements,
    skipped,
    problems,
  };
}

/** One line of a log: each variant over bare (median over the rounds), and its CPU per request. */
const ratios = (result: Measurement): string =>
  result.variants
    .map((v) => `${v.name} ${v.vsBare.wall.median.toFixed(3)} (${v.cpuUs.toFixed(0)} µs CPU)`)
    .join(', ');

/** What a child reports: the variants' names and both modes' rounds, or why it measured nothing. */
type ChildOutcome =
  | {
      readonly names: readonly string[];
      readonly rounds: Readonly<Record<Mode, readonly Round[]>>;
      readonly refreshes: number;
    }
  | { readonly skipped: string }
  | { readonly error: string };

/** Measures one client (both modes) in a child process of its own; see the comment at the top. */
async function measureInChild(
  client: ClientName,
  origin: string,
  options: MeasureOptions,
): Promise<ChildOutcome> {
  const args = [ROLE_FLAG, client, origin, TOKEN, JSON.stringify(options)];
  const child = fork(fileURLToPath(import.meta.url), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const message = once(child, 'message').then(([value]) => value as ChildOutcome);
    const exit = once(child, 'exit').then(
      ([code, signal]): ChildOutcome => ({ error: `the child exited (${signal ?? code}) without a result` }),
    );
    return await Promise.race([message, exit]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/** The child: one client's subject, both modes, the outcome sent to the parent. */
async function childMain(
  client: ClientName,
  origin: string,
  token: string,
  options: MeasureOptions,
): Promise<ChildOutcome> {
  let subject: Subject;
  try {
    subject = await subjects[client]({ origin, token, concurrency: options.concurrency });
  } catch (error) {
    return { skipped: firstLine(error) };
  }
  try {
    const sequential = await collectRounds(subject, 'sequential', options);
    const concurrent = await collectRounds(subject, 'concurrent', options);
    return {
      names: subject.variants.map((variant) => variant.name),
      rounds: { sequential, concurrent },
      refreshes: subject.refreshes(),
    };
  } catch (error) {
    return { error: firstLine(error) };
  } finally {
    subject.close();
  }
}

if (process.argv.includes(ROLE_FLAG) && process.send !== undefined) {
  const [client = '', origin = '', token = '', options = '{}'] = process.argv.slice(
    process.argv.indexOf(ROLE_FLAG) + 1,
  );
  const outcome: ChildOutcome = isClientName(client)
    ? await childMain(client, origin, token, JSON.parse(options) as MeasureOptions)
    : { error: `unknown client ${JSON.stringify(client)}` };
  process.send(outcome, () => process.disconnect());
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${timeoutMs} ms; giving up`);
    process.exit(2);
  }, timeoutMs);
  try {
    const report = await runOverhead();
    console.log(`\n${overheadTable(report.measurements, defaultOptions.target)}`);
    for (const problem of report.problems) console.log(`PROBLEM: ${problem}`);
    if (report.problems.length > 0 || report.skipped.length > 0) process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
  }
}
