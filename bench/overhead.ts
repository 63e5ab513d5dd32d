/**
 * Steady-state overhead of each tokenrelay adapter over its bare client (axios, got, ky, fetch).
 *
 * A bare client sends a static `Authorization: Bearer <token>` header; the same client wrapped by its adapter gets
 * that token from a manager that holds it fresh for an hour, so no refresh runs while we measure. Both send the same
 * requests to a local node:http server (a child process) that checks the header and answers a small JSON body.
 * Bare and wrapped alternate request by request (sequential) or wave by wave (BENCH_CONCURRENCY requests started
 * together), in rounds, after a warm-up; see measure.ts. The target is wrapped/bare <= 1.03 in wall time per
 * request; the client's CPU time per request is reported beside it.
 *
 *   corepack pnpm run bench                      # builds the packages first
 *   corepack pnpm exec node bench/overhead.ts    # uses the packages as last built
 *
 * Environment: BENCH_REQUESTS (per variant per round, default 200), BENCH_ROUNDS (default 20), BENCH_WARMUP
 * (requests per variant before measuring, default 300), BENCH_CONCURRENCY (default 20), BENCH_CLIENTS (comma list,
 * default axios,got,ky,fetch), BENCH_TIMEOUT_MS (whole run, default 300000).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { CLIENT_NAMES, type ClientName, isClientName, type Subject, subjects } from './clients.ts';
import { type Measurement, type MeasureOptions, measure } from './measure.ts';
import { table, toJson } from './report.ts';
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

const options: MeasureOptions = {
  requests: envInt('BENCH_REQUESTS', 200, 1),
  rounds: envInt('BENCH_ROUNDS', 20, 2),
  warmup: envInt('BENCH_WARMUP', 300, 0),
  concurrency: envInt('BENCH_CONCURRENCY', 20, 2),
  target: 1.03,
};
const clients = selectedClients();
const timeoutMs = envInt('BENCH_TIMEOUT_MS', 300_000, 1_000);

const TOKEN = 'bench-access-token-0123456789abcdef';

const versionOf = (name: string): string => {
  try {
    const file = new URL(`./node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
};

const firstLine = (error: unknown): string =>
  error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  const server = await startBenchServer(TOKEN);
  const measurements: Measurement[] = [];
  const skipped: { client: ClientName; reason: string }[] = [];
  const problems: string[] = [];
  try {
    for (const client of clients) {
      let subject: Subject;
      try {
        subject = await subjects[client]({
          origin: server.origin,
          token: TOKEN,
          concurrency: options.concurrency,
        });
      } catch (error) {
        // An adapter that is not built (or is mid-edit) is reported and skipped; the others still run.
        skipped.push({ client, reason: firstLine(error) });
        console.log(`${client}: skipped (${firstLine(error)})`);
        continue;
      }
      try {
        for (const mode of ['sequential', 'concurrent'] as const) {
          const before = await server.counts();
          const result = await measure(client, subject, mode, options);
          const after = await server.counts();
          const unauthorized = after.unauthorized - before.unauthorized;
          if (unauthorized > 0) problems.push(`${client} ${mode}: the server answered ${unauthorized} 401s`);
          measurements.push(result);
          console.log(
            `${client.padEnd(5)} ${mode.padEnd(10)} wall ${result.ratio.wall.median.toFixed(3)} ` +
              `(${result.bare.reqPerSec.toFixed(0)} -> ${result.wrapped.reqPerSec.toFixed(0)} req/s), ` +
              `CPU ${result.ratio.cpu.median.toFixed(3)} (${result.bare.cpuUs.toFixed(1)} -> ` +
              `${result.wrapped.cpuUs.toFixed(1)} µs/req)`,
          );
        }
        if (subject.refreshes() > 0) {
          problems.push(`${client}: ${subject.refreshes()} refreshes ran; the run was not steady state`);
        }
      } finally {
        subject.close();
      }
    }
  } finally {
    const counts = await server.close();
    console.log(`server: ${counts.ok} authorized requests, ${counts.unauthorized} 401s`);
  }

  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    machine: {
      platform: `${platform()} ${release()}`,
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
      note: 'shared machine: other work runs at the same time, so wall-clock figures are noisy',
    },
    versions: {
      node: process.version,
      axios: versionOf('axios'),
      got: versionOf('got'),
      ky: versionOf('ky'),
    },
    config: {
      requestsPerVariantPerRound: options.requests,
      rounds: options.rounds,
      warmupRequests: options.warmup,
      concurrency: options.concurrency,
      target: `wrapped/bare wall time per request <= ${options.target}`,
    },
    measurements,
    skipped,
    problems,
  };
  writeFileSync(new URL('./results.json', import.meta.url), toJson(report));

  const load = loadBefore.map((value) => value.toFixed(2)).join(' ');
  console.log(
    [
      '',
      `${options.rounds} rounds x ${options.requests} requests per variant, alternating, after ${options.warmup} ` +
        `warm-up requests; Node ${process.version}, ${availableParallelism()} cores, load average ${load}`,
      'req/s, µs/req: per variant, the median over rounds of its median request (sequential) or wave (concurrency)',
      'ratio = wrapped / bare time per request within a round; median (25th-75th percentile) over rounds; 1.000: no overhead',
      'CPU = CPU time of the bench process per request; the server is another process and is not counted',
      '',
      table(measurements, options.target),
      ...skipped.map(({ client, reason }) => `skipped ${client}: ${reason}`),
      ...problems.map((problem) => `PROBLEM: ${problem}`),
      '',
      `wrote bench/results.json (${(report.durationMs / 1000).toFixed(1)} s)`,
    ].join('\n'),
  );
  if (problems.length > 0 || skipped.length > 0) process.exitCode = 1;
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${timeoutMs} ms; giving up`);
  process.exit(2);
}, timeoutMs);

try {
  await main();
} finally {
  clearTimeout(watchdog);
}
