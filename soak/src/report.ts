/** What a soak run must show, and the table that shows it. The vitest test and the CLI check the same list. */
import type { ClientReport, SoakReport } from './runner.ts';

/** Most the live heap may grow from the first samples after the warm-up to the last ones. */
export const HEAP_GROWTH_LIMIT_BYTES: number = 20 * 2 ** 20;

export interface SoakCheck {
  readonly name: string;
  /** What must hold, in words. */
  readonly bound: string;
  /** What the run showed. */
  readonly actual: string;
  readonly ok: boolean;
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const sum = (clients: readonly ClientReport[], pick: (client: ClientReport) => number): number =>
  clients.reduce((total, client) => total + pick(client), 0);
const label = (client: ClientReport): string =>
  `${client.adapter}#${client.index} (${client.proactive ? 'proactive' : 'on demand'})`;

export function soakChecks(report: SoakReport): SoakCheck[] {
  const { clients, server, heap } = report;
  const lifetimes = Math.floor(report.elapsedMs / (report.tokenTtlSeconds * 1000));
  const offBalance = clients.filter((c) => Math.abs(c.refreshes - c.expiries) > 1);
  const idle = clients.filter((c) => c.requests === 0);
  const fewExpiries = clients.filter((c) => c.expiries < lifetimes - 1);
  const failures = sum(clients, (c) => c.failures);
  const refreshes = sum(clients, (c) => c.refreshes);
  const waiting = sum(clients, (c) => c.waitingAtEnd);
  const reauth = sum(clients, (c) => c.reauthRequired);
  const kinds = new Map<string, number>();
  for (const client of clients) {
    for (const [kind, count] of Object.entries(client.failureKinds))
      kinds.set(kind, (kinds.get(kind) ?? 0) + count);
  }
  return [
    {
      name: 'load',
      bound: 'every client sent requests',
      actual:
        idle.length === 0
          ? `${sum(clients, (c) => c.requests)} requests`
          : `idle: ${idle.map(label).join(', ')}`,
      ok: idle.length === 0,
    },
    {
      name: 'tokens expired',
      bound: `every client had >= ${lifetimes - 1} expiries (one per token lifetime, less one)`,
      actual:
        fewExpiries.length === 0 ? 'yes' : fewExpiries.map((c) => `${label(c)}: ${c.expiries}`).join(', '),
      ok: fewExpiries.length === 0,
    },
    {
      name: 'failures',
      bound: '0 (every request answered 200)',
      actual: failures === 0 ? '0' : `${failures}: ${[...kinds].map(([k, n]) => `${k} x${n}`).join(', ')}`,
      ok: failures === 0,
    },
    {
      name: 'refreshes per expiry',
      bound: 'expiries - 1 <= refreshes <= expiries + 1, for each client',
      actual:
        offBalance.length === 0
          ? 'yes'
          : offBalance.map((c) => `${label(c)}: ${c.refreshes} for ${c.expiries}`).join(', '),
      ok: offBalance.length === 0,
    },
    {
      name: 'server refreshes',
      bound: "the server's successful refreshes = the clients' refreshes",
      actual: `${server.successfulRefreshes} at the server, ${refreshes} by the clients`,
      ok: server.successfulRefreshes === refreshes,
    },
    {
      name: 'reuse detections',
      bound: '0 (no refresh token presented twice)',
      actual: String(server.reuseDetections),
      ok: server.reuseDetections === 0,
    },
    { name: 'reauth-required', bound: '0', actual: String(reauth), ok: reauth === 0 },
    { name: 'waiters at the end', bound: '0', actual: String(waiting), ok: waiting === 0 },
    {
      name: 'heap growth',
      bound: `< ${mb(HEAP_GROWTH_LIMIT_BYTES)} from after the ${Math.round(heap.warmupMs / 1000)} s warm-up to the end`,
      actual: `${mb(heap.baseline)} -> ${mb(heap.end)}: ${heap.growth >= 0 ? '+' : ''}${mb(heap.growth)}`,
      ok: Number.isFinite(heap.growth) && heap.growth < HEAP_GROWTH_LIMIT_BYTES,
    },
  ];
}

const table = (rows: readonly (readonly string[])[]): string => {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row, r) => {
      const line = row.map((cell, i) =>
        i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
      );
      return r === 0 ? `${line.join('  ')}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line.join('  ');
    })
    .join('\n');
};

export function formatSoakReport(
  report: SoakReport,
  checks: readonly SoakCheck[] = soakChecks(report),
): string {
  const seconds = report.elapsedMs / 1000;
  const header = [
    'client',
    'requests',
    'req/s',
    'failures',
    'refreshes',
    'expiries',
    'late',
    'waiting',
    'max ms',
  ];
  const rows = report.clients.map((c) => [
    label(c),
    String(c.requests),
    (c.requests / seconds).toFixed(0),
    String(c.failures),
    String(c.refreshes),
    String(c.expiries),
    String(c.lateTokens),
    String(c.waitingAtEnd),
    String(c.maxLatencyMs),
  ]);
  const { server, heap } = report;
  const lines = [
    `soak: ${seconds.toFixed(1)} s, ${report.clients.length} clients x ${report.concurrency} in flight, ` +
      `${report.tokenTtlSeconds} s access tokens`,
    '',
    table([header, ...rows]),
    '',
    `server: ${server.apiRequests} API requests (${server.unauthorized} answered 401), ${server.tokenCalls} token ` +
      `calls, ${server.successfulRefreshes} refreshes, ${server.reuseDetections} reuse detections`,
    `heap (${heap.collected ? 'after full GC' : 'no GC exposed: medians'}): ${mb(heap.baseline)} after the ` +
      `warm-up, ${mb(heap.end)} at the end, ${mb(heap.afterLoad)} once the load stopped; server process ` +
      `${mb(server.heapUsed)}`,
    '',
    ...checks.map(
      (check) => `${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.actual}  [${check.bound}]`,
    ),
  ];
  return lines.join('\n');
}
