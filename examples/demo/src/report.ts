/** The summary table: one row per client, numbers right-aligned. */
import type { ClientResult } from './load.ts';

export interface Row {
  readonly client: string;
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly unauthorized: number;
  readonly replays: number;
  readonly refreshes: number;
  /** 1 when the client's grant was revoked by the server during its run, else 0. */
  readonly revoked: number;
  readonly seconds: number;
}

const COLUMNS: ReadonlyArray<readonly [keyof Row, string]> = [
  ['client', 'client'],
  ['requests', 'requests'],
  ['succeeded', 'succeeded'],
  ['failed', 'failed'],
  ['unauthorized', '401s seen'],
  ['replays', 'replays'],
  ['refreshes', 'refreshes'],
  ['revoked', 'grant revocations'],
  ['seconds', 'time'],
];

export function rowOf(result: ClientResult, revoked: number): Row {
  const wire = result.client.wire.counts();
  return {
    client: result.client.label,
    requests: result.requests,
    succeeded: result.succeeded,
    failed: result.failed,
    unauthorized: wire.unauthorized,
    replays: wire.replays,
    refreshes: result.client.refreshes(),
    revoked,
    seconds: result.elapsedMs / 1000,
  };
}

const cell = (row: Row, key: keyof Row): string => {
  const value = row[key];
  if (key === 'seconds') return `${(value as number).toFixed(1)} s`;
  return typeof value === 'number' ? value.toLocaleString('en-US') : value;
};

/** Formats `rows` as an aligned text table with a header and a rule. */
export function formatTable(rows: readonly Row[]): string {
  const widths = COLUMNS.map(([key, title]) =>
    Math.max(title.length, ...rows.map((row) => cell(row, key).length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((text, i) => (i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0)))
      .join('  ');
  const header = line(COLUMNS.map(([, title]) => title));
  return [
    header,
    '-'.repeat(header.length),
    ...rows.map((row) => line(COLUMNS.map(([key]) => cell(row, key)))),
  ].join('\n');
}
