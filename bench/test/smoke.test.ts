/**
 * Keeps the bench from rotting: every library through every peer scenario once at small sizes, one scale cell per
 * kind of library, the overhead subjects for a few requests, and every report renderer. Not a benchmark: nothing
 * here is timed. What it asserts is what the bench reports as tokenrelay's guarantees, so a broken bench (or
 * adapter) fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES } from '../clients.ts';
import { type Emulation, startEmulation } from '../emulation.ts';
import { LIBRARIES, libraryById, SCALE_FLOORS, SCALE_REFERENCES } from '../libraries.ts';
import { seededRandom, shuffled } from '../measure.ts';
import { runOverhead } from '../overhead.ts';
import { runPeers, SCENARIOS } from '../peers.ts';
import { overheadChart, overheadTable, peersChart, peersTable, scaleCharts, scaleTable } from '../report.ts';
import { runCell } from '../scale.ts';

let emulation: Emulation;
beforeAll(async () => {
  emulation = await startEmulation();
});
afterAll(async () => {
  await emulation?.close();
});

describe('bench smoke', () => {
  it('runs every library through every scenario; tokenrelay keeps its guarantees, the table and chart render', async () => {
    const report = await runPeers(emulation, LIBRARIES, {
      burst: 12,
      late: 6,
      waves: 2,
      waveSize: 4,
      lateDelayMs: 150,
      hangAfterMs: 5_000,
    });
    expect(report.results).toHaveLength(LIBRARIES.length * SCENARIOS.length);
    for (const result of report.results) {
      expect(result.error, `${result.library} ${result.scenario}`).toBeUndefined();
      expect(result.hung, `${result.library} ${result.scenario}`).toBe(0);
    }
    const tokenrelay = report.results.filter((r) => r.library.startsWith('tokenrelay-'));
    expect(tokenrelay.filter((r) => !r.asExpected).map((r) => `${r.library} ${r.scenario}`)).toEqual([]);
    // The bare clients never refresh; the naive interceptor refreshes once per 401 and gets the grant revoked.
    for (const r of report.results.filter((x) => x.library.startsWith('bare-'))) expect(r.tokenCalls).toBe(0);
    const naiveBurst = report.results.find((r) => r.library === 'naive-axios' && r.scenario === 'burst');
    expect(naiveBurst?.reuseDetections).toBeGreaterThan(0);
    expect(peersTable(report)).toContain('axios-jwt');
    expect(peersChart(report)).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  }, 60_000);

  it('runs scale cells in child processes (an adapter, every floor and reference, a peer): one token call each, every request served, a heap figure', async () => {
    const ids = [
      'tokenrelay-fetch',
      ...[...SCALE_FLOORS, ...SCALE_REFERENCES].map((library) => library.id),
      'axios-jwt',
    ];
    const cells = [];
    for (const id of ids) cells.push(await runCell(id, 300, { pool: 50, hardTimeoutMs: 30_000 }));
    for (const cell of cells) {
      expect(cell.error, cell.library).toBeUndefined();
      expect(cell.tokenCalls, cell.library).toBe(1);
      expect(cell.successes, cell.library).toBe(300);
      expect(Number.isFinite(cell.heapPerWaiterBytes), cell.library).toBe(true);
    }
    const table = scaleTable(cells, libraryById);
    expect(table).toContain('floor got');
    // The adapter's row is compared with its floor and the peer: two figure columns and a verdict.
    const fetchRow = table.split('\n').find((line) => line.startsWith('| tokenrelay fetch'));
    expect(fetchRow).toMatch(/[+-]\d+\.\d\d KB, \d+\.\d\d×.*[+-]\d+\.\d\d KB, \d+\.\d\d×.*(met|over target)/);
    const charts = scaleCharts(cells, libraryById);
    expect(charts.heap).toContain('<circle');
    expect(charts.heap).toContain('stroke-dasharray');
  }, 120_000);

  it('measures every overhead subject (bare, floor, tokenrelay, the axios peers), each client in its own process, without a refresh or a 401', async () => {
    const options = { requests: 8, rounds: 2, warmup: 4, concurrency: 4, target: 1.03 };
    const report = await runOverhead(() => {}, { clients: CLIENT_NAMES, options, processes: 2 });
    expect(report.problems).toEqual([]);
    expect(report.skipped).toEqual([]);
    expect(report.measurements.map((m) => `${m.client} ${m.mode}`)).toEqual(
      CLIENT_NAMES.flatMap((client) => [`${client} sequential`, `${client} concurrent`]),
    );
    expect(report.measurements.flatMap((m) => m.variants.map((v) => `${m.client}/${v.name}`))).toContain(
      'axios/axios-jwt',
    );
    for (const m of report.measurements) {
      for (const v of m.variants) expect(v.wallUs, `${m.client} ${m.mode} ${v.name}`).toBeGreaterThan(0);
    }
    expect(overheadTable(report.measurements, 1.03)).toContain('tokenrelay');
    expect(overheadChart(report.measurements)).toContain('<rect');
  }, 60_000);

  it('takes turns in shuffled orders: every variant as often right after itself, and after each other one, as the others', () => {
    const random = seededRandom(1);
    const sequence = Array.from({ length: 6_000 }, () => shuffled(3, random)).flat();
    const after = new Map<string, number>();
    for (let i = 1; i < sequence.length; i++) {
      const pair = `${sequence[i - 1]}>${sequence[i]}`;
      after.set(pair, (after.get(pair) ?? 0) + 1);
    }
    // 5,999 turn boundaries: a variant follows itself there only, 1 in 9 of them, about 667 per variant (the
    // rotation used before never put variant 2 after itself); a variant follows another within a turn or across
    // one, about 2,000 + 667 each.
    for (const v of [0, 1, 2]) {
      expect(after.get(`${v}>${v}`), `${v}>${v}`).toBeGreaterThan(580);
      expect(after.get(`${v}>${v}`), `${v}>${v}`).toBeLessThan(760);
      for (const other of [0, 1, 2].filter((o) => o !== v)) {
        expect(after.get(`${other}>${v}`), `${other}>${v}`).toBeGreaterThan(2_500);
        expect(after.get(`${other}>${v}`), `${other}>${v}`).toBeLessThan(2_830);
      }
    }
  });
});
