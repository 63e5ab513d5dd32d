/**
 * Keeps the bench from rotting: every library through every peer scenario once at small sizes, one scale cell per
 * kind of library, the overhead subjects for a few requests, and every report renderer. Not a benchmark: nothing
 * here is timed. What it asserts is what the bench reports as tokenrelay's guarantees, so a broken bench (or
 * adapter) fails here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_NAMES, subjects } from '../clients.ts';
import { type Emulation, startEmulation } from '../emulation.ts';
import { LIBRARIES, libraryById, SCALE_FLOORS } from '../libraries.ts';
import { measure } from '../measure.ts';
import { runPeers, SCENARIOS } from '../peers.ts';
import { overheadChart, overheadTable, peersChart, peersTable, scaleCharts, scaleTable } from '../report.ts';
import { runCell } from '../scale.ts';
import { startBenchServer } from '../server.ts';

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

  it('runs scale cells in child processes (an adapter, every floor, a peer): one token call each, every request served, a heap figure', async () => {
    const ids = ['tokenrelay-fetch', ...SCALE_FLOORS.map((floor) => floor.id), 'axios-jwt'];
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

  it('measures every overhead subject (bare, floor, tokenrelay, the axios peers) without a refresh or a 401', async () => {
    const token = 'e30.eyJleHAiOjk5OTk5OTk5OTl9.bench';
    const server = await startBenchServer(token);
    try {
      const measurements = [];
      for (const client of CLIENT_NAMES) {
        const subject = await subjects[client]({ origin: server.origin, token, concurrency: 4 });
        try {
          const options = { requests: 8, rounds: 2, warmup: 4, concurrency: 4, target: 1.03 };
          measurements.push(await measure(client, subject, 'sequential', options));
          measurements.push(await measure(client, subject, 'concurrent', options));
          expect(subject.refreshes()).toBe(0);
        } finally {
          subject.close();
        }
      }
      expect(measurements.flatMap((m) => m.variants.map((v) => `${m.client}/${v.name}`))).toContain(
        'axios/axios-jwt',
      );
      expect(overheadTable(measurements, 1.03)).toContain('tokenrelay');
      expect(overheadChart(measurements)).toContain('<rect');
    } finally {
      const counts = await server.close();
      expect(counts.unauthorized).toBe(0);
    }
  }, 60_000);
});
