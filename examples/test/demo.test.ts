/**
 * The project's demo (`pnpm run demo`), run as a user runs it: it must exit 0, its tokenrelay rows must show
 * every request served through several token expiries with no grant revoked, and its naive row must show the
 * failure that tokenrelay exists to prevent.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type ExampleRun, runExample, transcript, unbuiltPackages } from './run-example.ts';

const TIMEOUT_MS = 60_000;

interface Row {
  readonly requests: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly unauthorized: number;
  readonly replays: number;
  readonly refreshes: number;
  readonly revocations: number;
}

/** The summary table's row for `client`: `client  requests  succeeded  failed  401s  replays  refreshes  revocations  time`. */
function rowOf(run: ExampleRun, client: string): Row {
  const line = run.stdout.split('\n').find((text) => text.startsWith(`${client}  `));
  if (line === undefined) throw new Error(`no summary row for ${client}\n${transcript(run)}`);
  const cells = line
    .slice(client.length)
    .trim()
    .split(/\s{2,}/);
  const [requests, succeeded, failed, unauthorized, replays, refreshes, revocations] = cells.map((cell) =>
    Number(cell.replaceAll(',', '')),
  );
  const row = { requests, succeeded, failed, unauthorized, replays, refreshes, revocations };
  for (const [key, value] of Object.entries(row)) {
    if (value === undefined || !Number.isInteger(value))
      throw new Error(`${client}: bad ${key} in "${line}"`);
  }
  return row as Row;
}

beforeAll(() => {
  expect(unbuiltPackages(), "the demo runs on the packages' dist: run `pnpm run build` first").toEqual([]);
});

describe('demo', () => {
  it(
    'tokenrelay keeps every client signed in through the expiries; the naive interceptor gets the grant revoked',
    async () => {
      const run = await runExample('demo', [], TIMEOUT_MS - 5_000);
      expect(run.code, transcript(run)).toBe(0);
      expect(run.ms).toBeLessThan(60_000);

      for (const client of ['axios', 'got', 'ky', 'fetch']) {
        const row = rowOf(run, client);
        expect(row.requests, client).toBeGreaterThan(0);
        expect(row.succeeded, client).toBe(row.requests);
        expect(row.failed, client).toBe(0);
        expect(row.revocations, client).toBe(0);
        // 8 s of load on 2 s tokens (trusted for 1.5 s: servers count whole seconds): one refresh per lifetime,
        // at most ceil(8 / 1.5) + 1; tokens the server ended first were met by 401s, each replayed once.
        expect(row.refreshes, client).toBeGreaterThanOrEqual(3);
        expect(row.refreshes, client).toBeLessThanOrEqual(7);
        expect(row.unauthorized, client).toBeGreaterThanOrEqual(1);
        expect(row.replays, client).toBe(row.unauthorized);
      }
      expect(run.stdout).toContain('authorization server: 0 grant(s) revoked during run 1 (tokenrelay)');
      expect(run.stdout).toMatch(/^tokenrelay: [\d,]+ requests from 4 clients, all succeeded\./m);

      const naive = rowOf(run, 'naive axios');
      expect(naive.revocations).toBeGreaterThanOrEqual(1);
      expect(naive.failed).toBeGreaterThan(0);
      expect(naive.succeeded + naive.failed).toBe(naive.requests);
      expect(run.stdout).toMatch(/[1-9]\d* during run 2 \(naive\)/);
      expect(run.stdout).toMatch(/^naive interceptor: [\d,]+ refresh calls where one per expiry would do/m);
      expect(run.stdout).toContain('revoked the grant, and from');

      // Part 3: processes sharing one grant through Redis refresh once per expiry between them, no revocation;
      // part 4: the same processes without Redis.
      expect(run.stdout).toMatch(
        /^authorization server: (\d+) refreshes \(the processes made \1\), 0 grant\(s\) revoked\.$/m,
      );
      expect(run.stdout).toContain('without Redis: each has the tokens, each refreshes on its own');
    },
    TIMEOUT_MS,
  );
});
