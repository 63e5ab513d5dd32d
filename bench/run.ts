/**
 * `pnpm run bench`: every benchmark in one run, then the reports.
 *
 * 1. peers: the correctness scenarios, every library against the OAuth2 emulation (peers.ts);
 * 2. overhead: steady-state cost, bare vs floor vs tokenrelay (vs the axios peers), interleaved (overhead.ts);
 * 3. scale: N requests waiting on one refresh, each cell in a child process (scale.ts), for tokenrelay's adapters,
 *    each client's floor (the client with one hook awaiting one shared token promise) and the peers whose burst row
 *    succeeded in step 1.
 *
 * Writes bench/results.json, bench/RESULTS.md, bench/charts/*.svg, and the generated regions of the root
 * README.md (`<!-- bench:<name>:start -->` ... `<!-- bench:<name>:end -->`). Those files are only written by a run
 * of all three parts (a partial run prints its tables). `BENCH_RENDER_ONLY=1` measures nothing: it renders
 * RESULTS.md, the charts and the README regions again from bench/results.json (after a change to the renderers).
 *
 * Environment: BENCH_PARTS (comma list of peers,overhead,scale; default all), BENCH_SCALE_N (default
 * 1000,10000,50000), BENCH_SCALE_LIBRARIES (comma list of library ids, e.g. tokenrelay-got,floor-got; default
 * the adapters, the floors and the peers that passed the burst), BENCH_SCALE_POOL (keep-alive connections per
 * client, default 4000), BENCH_CELL_TIMEOUT_MS (per scale cell, default 75000), BENCH_BUDGET_MS (scale cells not
 * started after this much of the run are reported as skipped, default 520000), and the overhead settings of
 * overhead.ts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { startEmulation } from './emulation.ts';
import { LIBRARIES, type LibrarySpec, libraryById, SCALE_FLOORS, versionOf } from './libraries.ts';
import { type OverheadReport, runOverhead } from './overhead.ts';
import { type PeersReport, runPeers } from './peers.ts';
import {
  overheadChart,
  overheadTable,
  peersChart,
  peersTable,
  replaceRegion,
  scaleCharts,
  scaleLegend,
  scaleTable,
  scenarioLegend,
  toJson,
} from './report.ts';
import { runCell, type ScaleCell } from './scale.ts';

const PARTS = ['peers', 'overhead', 'scale'] as const;
type Part = (typeof PARTS)[number];

const envList = (name: string, fallback: readonly string[]): string[] => {
  const raw = process.env[name];
  return raw === undefined || raw.trim() === '' ? [...fallback] : raw.split(',').map((item) => item.trim());
};
const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
};

const here = (path: string): URL => new URL(path, import.meta.url);
const renderOnly = process.env.BENCH_RENDER_ONLY === '1';
interface Saved {
  readonly startedAt: string;
  readonly durationMs: number;
  readonly machine: {
    readonly cores: number;
    readonly cpu: string;
    readonly loadavgBefore: number[];
    readonly loadavgAfter: number[];
  } & Record<string, unknown>;
  readonly versions: Record<string, string>;
  readonly peers: PeersReport;
  readonly overhead: OverheadReport;
  readonly scale: {
    readonly pool: number;
    readonly cellTimeoutMs: number;
    readonly libraries: string[];
    readonly cells: ScaleCell[];
    readonly skippedCells: string[];
  };
}
const saved: Saved | undefined = renderOnly
  ? (JSON.parse(readFileSync(here('./results.json'), 'utf8')) as Saved)
  : undefined;
const parts = renderOnly ? [] : (envList('BENCH_PARTS', PARTS) as Part[]);
for (const part of parts)
  if (!PARTS.includes(part)) throw new RangeError(`BENCH_PARTS: unknown part ${part}`);
const scaleNs = envList('BENCH_SCALE_N', ['1000', '10000', '50000']).map(Number);
const pool = saved?.scale.pool ?? envInt('BENCH_SCALE_POOL', 4000);
const cellTimeoutMs = saved?.scale.cellTimeoutMs ?? envInt('BENCH_CELL_TIMEOUT_MS', 75_000);
const budgetMs = envInt('BENCH_BUDGET_MS', 520_000);

const startedAt = saved === undefined ? new Date() : new Date(saved.startedAt);
const loadBefore = saved?.machine.loadavgBefore ?? loadavg();
const log = (line: string): void => console.log(line);
const elapsed = (): string => `${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`;

let peers: PeersReport | undefined = saved?.peers;
let overhead: OverheadReport | undefined = saved?.overhead;
/** JSON has no NaN: results.json holds null where a figure is missing. */
const numberOr = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);
const cells: ScaleCell[] = (saved?.scale.cells ?? []).map((cell) => ({
  ...cell,
  tokenCalls: numberOr(cell.tokenCalls),
  replayMs: numberOr(cell.replayMs),
  wallMs: numberOr(cell.wallMs),
  cpuMs: numberOr(cell.cpuMs),
  heapPerWaiterBytes: numberOr(cell.heapPerWaiterBytes),
}));
const skippedCells: string[] = [...(saved?.scale.skippedCells ?? [])];

if (parts.includes('peers')) {
  log(`== peers (${elapsed()})`);
  const emulation = await startEmulation();
  try {
    peers = await runPeers(emulation, LIBRARIES, undefined, log);
  } finally {
    await emulation.close();
  }
}

if (parts.includes('overhead')) {
  log(`== overhead (${elapsed()})`);
  overhead = await runOverhead(log);
}

// Each tokenrelay adapter followed by its client's floor (so the two run close in time), then the peers.
const defaultScaleLibraries = LIBRARIES.flatMap((library): LibrarySpec[] => {
  if (library.kind === 'tokenrelay') {
    return [library, ...SCALE_FLOORS.filter((floor) => floor.family === library.family)];
  }
  if (library.kind === 'bare' || peers === undefined) return [];
  const burst = peers.results.find((r) => r.library === library.id && r.scenario === 'burst');
  return burst !== undefined && burst.successes === burst.requests && burst.hung === 0 ? [library] : [];
});
const scaleLibraries =
  process.env.BENCH_SCALE_LIBRARIES !== undefined && process.env.BENCH_SCALE_LIBRARIES.trim() !== ''
    ? envList('BENCH_SCALE_LIBRARIES', []).map(libraryById)
    : defaultScaleLibraries;

if (parts.includes('scale')) {
  log(`== scale: ${scaleLibraries.map((library) => library.id).join(', ')} (${elapsed()})`);
  for (const n of scaleNs) {
    for (const library of scaleLibraries) {
      if (Date.now() - startedAt.getTime() > budgetMs) {
        skippedCells.push(`${library.id} N=${n}`);
        continue;
      }
      const cell = await runCell(library.id, n, { pool, hardTimeoutMs: cellTimeoutMs });
      cells.push(cell);
      log(
        `${library.id.padEnd(28)} N=${String(n).padStart(6)}: ${cell.tokenCalls} token calls, ` +
          `${cell.successes} ok, ${cell.unsettled} unsettled, ` +
          `replay ${cell.unsettled === 0 ? `${(cell.replayMs / 1000).toFixed(2)} s` : '-'}, ` +
          `${(cell.heapPerWaiterBytes / 1024).toFixed(2)} KB/waiter${cell.error ? ` ERROR ${cell.error}` : ''} (${elapsed()})` +
          Object.entries(cell.rejections)
            .map(([reason, count]) => `\n    ${count} x ${reason}`)
            .join(''),
      );
    }
  }
}

const finishedAt = saved === undefined ? new Date() : new Date(startedAt.getTime() + saved.durationMs);
const versions: Record<string, string> = saved?.versions ?? { node: process.version };
if (saved === undefined) {
  for (const name of ['axios', 'got', 'ky', 'undici', 'axios-auth-refresh', 'axios-jwt']) {
    versions[name] = versionOf(name);
  }
}
const machine = saved?.machine ?? {
  platform: `${platform()} ${release()}`,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadavgBefore: loadBefore,
  loadavgAfter: loadavg(),
  note: 'shared machine: other work runs at the same time; ratios come from interleaved runs for that reason',
};
const date = `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const versionLine =
  `Node ${versions.node}, axios ${versions.axios}, got ${versions.got}, ky ${versions.ky}, ` +
  `axios-auth-refresh ${versions['axios-auth-refresh']}, axios-jwt ${versions['axios-jwt']}`;
const machineLine =
  `${machine.cores} cores (${machine.cpu}), shared with other work: load average ` +
  `${loadBefore.map((v) => v.toFixed(1)).join(' ')} at the start, ${machine.loadavgAfter.map((v) => v.toFixed(1)).join(' ')} at the end`;
const durationS = ((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0);

log('');
if (peers !== undefined) log(`${peersTable(peers)}\n`);
if (overhead !== undefined) log(`${overheadTable(overhead.measurements, 1.03)}\n`);
if (cells.length > 0) log(`${scaleTable(cells, libraryById)}\n`);
for (const problem of overhead?.problems ?? []) log(`PROBLEM: ${problem}`);
if (skippedCells.length > 0) log(`scale cells skipped (time budget): ${skippedCells.join(', ')}`);
log(`done in ${durationS} s`);

if (peers !== undefined && overhead !== undefined && (renderOnly || parts.includes('scale'))) {
  mkdirSync(here('./charts/'), { recursive: true });
  writeFileSync(here('./charts/peers.svg'), peersChart(peers));
  writeFileSync(here('./charts/overhead.svg'), overheadChart(overhead.measurements));
  const charts = scaleCharts(cells, libraryById);
  writeFileSync(here('./charts/scale-heap.svg'), charts.heap);
  writeFileSync(here('./charts/scale-time.svg'), charts.time);
  if (!renderOnly) {
    writeFileSync(
      here('./results.json'),
      toJson({
        startedAt: startedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        machine,
        versions,
        peers,
        overhead,
        scale: { pool, cellTimeoutMs, libraries: scaleLibraries.map((l) => l.id), cells, skippedCells },
      }),
    );
  }

  const overheadSummary = overheadTable(overhead.measurements, 1.03);
  const results = [
    '# Benchmark results',
    '',
    `Generated by \`pnpm run bench\` (bench/run.ts) on ${date}, in ${durationS} s. ${versionLine}. ${machineLine}.`,
    'Every figure below is from this one run; `bench/results.json` holds the raw numbers.',
    '',
    '## Refresh under concurrency: tokenrelay and its peers',
    '',
    'Every library against the same OAuth2 server (test-utils emulation on 127.0.0.1: refresh tokens rotate, a reused',
    'refresh token revokes the whole grant, RFC 9700). Each cell: a fresh grant, a fresh client.',
    '',
    scenarioLegend(peers),
    '',
    '![token calls and successes per library per scenario](charts/peers.svg)',
    '',
    peersTable(peers),
    '',
    '## Steady-state overhead',
    '',
    'Per client: bare (static header), floor (the least hooks an adapter needs: set the header, look at the response;',
    'for ky through its `fetch` option, as the adapter does, since an `afterResponse` hook makes ky clone every',
    'response), tokenrelay, and for axios the peers; all holding a fresh token, taking turns request by request',
    '(sequential) or wave by wave (concurrency 20), in shuffled orders, against a node:http server in another process.',
    'Each client in three processes of its own, rounds pooled, as an application loads one client (bench/README.md). Ratios: per round,',
    'then the median (25th-75th percentile) over rounds. Target: tokenrelay within 3% of bare, or within 1% of the floor.',
    '',
    '![overhead per adapter](charts/overhead.svg)',
    '',
    overheadSummary,
    '',
    ...(overhead.problems.length > 0 ? ['Problems: ', ...overhead.problems.map((p) => `- ${p}`), ''] : []),
    '## N requests waiting on one refresh',
    '',
    `N GETs started together on an expired token while the token endpoint holds the refresh; each client with a`,
    `${pool.toLocaleString('en-US')}-connection keep-alive pool, tokenrelay's \`queue.maxWaiters\` raised to N. Each cell in its own`,
    'process (`--expose-gc`), the server in another. Heap per waiting request: (heap while all wait - heap before) / N,',
    "after full GCs. Libraries: tokenrelay's adapters, each client's floor, and the peers whose burst row above",
    `succeeded. Wall: from starting the N requests to the last one settling. A cell gives up ${((cellTimeoutMs - 15_000) / 1000).toFixed(0)} s after it`,
    'started: requests not settled by then are "unsettled".',
    '',
    scaleLegend(),
    '',
    '![heap per waiting request against N](charts/scale-heap.svg)',
    '![time from the refresh response to the last replay against N](charts/scale-time.svg)',
    '',
    scaleTable(cells, libraryById),
    '',
    ...(skippedCells.length > 0 ? [`Not run (time budget): ${skippedCells.join(', ')}.`, ''] : []),
  ].join('\n');
  writeFileSync(here('./RESULTS.md'), results);

  const readmeUrl = here('../README.md');
  let readme = readFileSync(readmeUrl, 'utf8');
  const stamp = `Measured by \`pnpm run bench\` on ${date} (${versionLine}; ${machineLine}).`;
  readme = replaceRegion(
    readme,
    'peers',
    [
      stamp,
      '',
      '![token calls and successes per library per scenario](bench/charts/peers.svg)',
      '',
      peersTable(peers),
      '',
      scenarioLegend(peers),
    ].join('\n'),
  );
  readme = replaceRegion(
    readme,
    'overhead',
    [stamp, '', '![overhead per adapter](bench/charts/overhead.svg)', '', overheadSummary].join('\n'),
  );
  readme = replaceRegion(
    readme,
    'scale',
    [
      stamp,
      '',
      '![heap per waiting request against N](bench/charts/scale-heap.svg)',
      '![time from the refresh response to the last replay against N](bench/charts/scale-time.svg)',
      '',
      scaleTable(cells, libraryById),
      '',
      scaleLegend(),
    ].join('\n'),
  );
  writeFileSync(readmeUrl, readme);
  log('wrote bench/results.json, bench/RESULTS.md, bench/charts/*.svg and the README regions');
}
