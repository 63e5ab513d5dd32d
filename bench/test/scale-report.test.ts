/**
 * The scale report's judgement on fixed figures: each tokenrelay row against its client's floor and the best peer
 * at the same N, and the verdict issue 13's acceptance gives it (met, met vs floor, over target and why).
 */
import { describe, expect, it } from 'vitest';
import { compareScale, type ScaleSubject, scaleCharts, scaleTable } from '../report.ts';
import type { ScaleCell } from '../scale.ts';

const KB = 1024;

const SUBJECTS: Readonly<Record<string, ScaleSubject>> = {
  'tokenrelay-axios': { label: 'tokenrelay axios', kind: 'tokenrelay', family: 'axios' },
  'tokenrelay-got': { label: 'tokenrelay got', kind: 'tokenrelay', family: 'got' },
  'tokenrelay-ky': { label: 'tokenrelay ky', kind: 'tokenrelay', family: 'ky' },
  'floor-axios': { label: 'floor axios', kind: 'floor', family: 'axios' },
  'floor-got': { label: 'floor got', kind: 'floor', family: 'got' },
  'floor-ky': { label: 'floor ky', kind: 'floor', family: 'ky' },
  'floor-ky-complete': { label: 'floor ky + hooks, abort listener', kind: 'reference', family: 'ky' },
  'axios-jwt': { label: 'axios-jwt', kind: 'peer', family: 'axios' },
  'axios-auth-refresh': { label: 'axios-auth-refresh', kind: 'peer', family: 'axios' },
};
const subject = (id: string): ScaleSubject => {
  const found = SUBJECTS[id];
  if (found === undefined) throw new RangeError(id);
  return found;
};

/** A cell that served all `n` with one token call. */
const cell = (
  library: string,
  n: number,
  heapKb: number,
  wallS: number,
  extra: Partial<ScaleCell> = {},
): ScaleCell => ({
  library,
  n,
  tokenCalls: 1,
  successes: n,
  unsettled: 0,
  outcomes: { 200: n },
  replayMs: wallS * 500,
  wallMs: wallS * 1000,
  heapPerWaiterBytes: heapKb * KB,
  rejections: {},
  ...extra,
});

const verdictOf = (id: string, cells: readonly ScaleCell[], n = 50_000): string | undefined =>
  compareScale(cells.find((c) => c.library === id && c.n === n)!, cells, subject)?.verdict;

describe('scale comparison', () => {
  it('is met within +1 KB of the best peer heap and no slower than the best peer wall, each best taken apart', () => {
    const cells = [
      cell('tokenrelay-axios', 50_000, 4.9, 10.0),
      cell('floor-axios', 50_000, 3.8, 9.5),
      cell('axios-jwt', 50_000, 4.0, 10.2),
      // Better wall, worse heap: the best wall (10.1 s) is this one's, the best heap (4.0 KB) axios-jwt's.
      cell('axios-auth-refresh', 50_000, 15.0, 10.1),
    ];
    const comparison = compareScale(cells[0]!, cells, subject);
    expect(comparison?.verdict).toBe('met');
    expect(comparison?.bestPeer?.heapBytes).toBe(4.0 * KB);
    expect(comparison?.bestPeer?.wallMs).toBe(10_100);
    expect(comparison?.bestPeer?.heapDeltaBytes).toBeCloseTo(0.9 * KB);
    expect(comparison?.floor?.heapDeltaBytes).toBeCloseTo(1.1 * KB);
    expect(comparison?.floor?.wallRatio).toBeCloseTo(10 / 9.5);
  });

  it('is over target when the heap is more than 1 KB over the best peer and the floor is not above it', () => {
    const cells = [
      cell('tokenrelay-axios', 50_000, 5.2, 10.0),
      cell('floor-axios', 50_000, 3.8, 9.5),
      cell('axios-jwt', 50_000, 4.0, 10.2),
    ];
    expect(verdictOf('tokenrelay-axios', cells)).toBe('over target (heap +1.20 KB over best peer)');
  });

  it('is over target when slower than the best peer, by however little', () => {
    const cells = [
      cell('tokenrelay-axios', 50_000, 4.1, 10.34),
      cell('floor-axios', 50_000, 3.8, 9.5),
      cell('axios-jwt', 50_000, 4.4, 10.19),
    ];
    expect(verdictOf('tokenrelay-axios', cells)).toBe('over target (wall 1.01× best peer)');
  });

  it("judges against the client's floor on a measure where the floor itself misses the peer target", () => {
    const cells = [
      cell('tokenrelay-got', 50_000, 13.8, 14.0),
      // got's own request objects: 12.9 KB a waiter and 13.5 s before any hook runs.
      cell('floor-got', 50_000, 12.9, 14.5),
      cell('axios-jwt', 50_000, 4.4, 10.2),
    ];
    expect(verdictOf('tokenrelay-got', cells)).toBe('met vs floor (heap, wall)');
    // 1.5 KB over the floor is over target, even though the floor excuses the gap to the peer.
    cells[0] = cell('tokenrelay-got', 50_000, 14.4, 14.0);
    expect(verdictOf('tokenrelay-got', cells)).toBe('over target (heap +1.50 KB over floor)');
    // Slower than both the floor and the peer: over target, measured against the floor (the looser of the two).
    cells[0] = cell('tokenrelay-got', 50_000, 13.0, 15.95);
    expect(verdictOf('tokenrelay-got', cells)).toBe('over target (wall 1.10× floor)');
    // Against a floor the wall may be up to 1% longer (the steady-state margin), not more.
    cells[0] = cell('tokenrelay-got', 50_000, 13.0, 14.6);
    expect(verdictOf('tokenrelay-got', cells)).toBe('met vs floor (heap, wall)');
    cells[0] = cell('tokenrelay-got', 50_000, 13.0, 14.7);
    expect(verdictOf('tokenrelay-got', cells)).toBe('over target (wall 1.01× floor)');
  });

  it('is met (not "vs floor") when the row meets the peer target, however far above it the floor is', () => {
    const cells = [
      cell('tokenrelay-axios', 50_000, 4.09, 12.36),
      cell('floor-axios', 50_000, 3.19, 13.6),
      cell('axios-jwt', 50_000, 4.4, 12.85),
    ];
    expect(verdictOf('tokenrelay-axios', cells)).toBe('met');
    // Slower than the peer, but not than a floor that is itself slower than the peer: only the wall by the floor.
    cells[0] = cell('tokenrelay-axios', 50_000, 4.09, 13.0);
    expect(verdictOf('tokenrelay-axios', cells)).toBe('met vs floor (wall)');
  });

  it('judges against the floor alone where no peer served all N', () => {
    const cells = [
      cell('tokenrelay-got', 50_000, 13.0, 14.0),
      cell('floor-got', 50_000, 12.9, 14.5),
      cell('axios-jwt', 50_000, 4.4, 10.2, { successes: 0, unsettled: 50_000 }),
    ];
    expect(verdictOf('tokenrelay-got', cells)).toBe('met vs floor (heap, wall)');
    cells[1] = cell('floor-got', 50_000, 11.0, 14.5);
    expect(verdictOf('tokenrelay-got', cells)).toBe('over target (heap +2.00 KB over floor)');
  });

  it('keeps the peer target on a measure where the floor is within it', () => {
    // The floor's wall (9 s) beats the peer's: wall is judged against the peer (10.2 s), heap against the floor.
    const cells = [
      cell('tokenrelay-ky', 50_000, 9.0, 10.5),
      cell('floor-ky', 50_000, 8.3, 9.0),
      cell('axios-jwt', 50_000, 4.4, 10.2),
    ];
    expect(verdictOf('tokenrelay-ky', cells)).toBe('over target (wall 1.03× best peer)');
  });

  it('never judges against a reference row: neither as the floor nor as a peer', () => {
    // The reference comes first and is the cheapest; the verdict is still the floor's and the peer's.
    const cells = [
      cell('floor-ky-complete', 50_000, 9.0, 9.0),
      cell('tokenrelay-ky', 50_000, 9.3, 10.0),
      cell('floor-ky', 50_000, 7.4, 10.5),
      cell('axios-jwt', 50_000, 4.4, 10.2),
    ];
    const comparison = compareScale(cells[1]!, cells, subject);
    expect(comparison?.floor?.heapDeltaBytes).toBeCloseTo(1.9 * KB);
    expect(comparison?.bestPeer?.heapBytes).toBe(4.4 * KB);
    expect(comparison?.verdict).toBe('over target (heap +1.90 KB over floor)');
    expect(compareScale(cells[0]!, cells, subject)).toBeUndefined();
  });

  it('is over target when a request was not served or the refresh ran twice, whatever the figures', () => {
    const cells = [
      cell('tokenrelay-axios', 50_000, 1.0, 1.0, { successes: 49_000, unsettled: 1_000 }),
      cell('tokenrelay-got', 50_000, 1.0, 1.0, { tokenCalls: 2 }),
      cell('axios-jwt', 50_000, 4.4, 10.2),
    ];
    expect(verdictOf('tokenrelay-axios', cells)).toBe('over target (1,000 not served)');
    expect(verdictOf('tokenrelay-got', cells)).toBe('over target (2 token calls)');
  });

  it('leaves out peers and floors that did not serve every request, and compares only at the same N', () => {
    const cells = [
      cell('tokenrelay-axios', 50_000, 6.0, 12.0),
      cell('axios-jwt', 50_000, 1.0, 5.0, { successes: 10, unsettled: 49_990 }),
      cell('floor-axios', 50_000, 1.0, 5.0, { successes: 10, unsettled: 49_990 }),
      cell('axios-auth-refresh', 50_000, 15.0, 22.0),
      cell('axios-jwt', 10_000, 1.0, 1.0),
    ];
    const comparison = compareScale(cells[0]!, cells, subject);
    expect(comparison?.floor).toBeUndefined();
    expect(comparison?.bestPeer?.heapBytes).toBe(15 * KB);
    expect(comparison?.verdict).toBe('met');
    expect(verdictOf('tokenrelay-axios', [cells[0]!])).toBe('no comparison');
  });

  it('judges only tokenrelay rows', () => {
    const cells = [cell('floor-axios', 1_000, 3.8, 1.0), cell('axios-jwt', 1_000, 4.4, 1.0)];
    expect(compareScale(cells[0]!, cells, subject)).toBeUndefined();
    expect(compareScale(cells[1]!, cells, subject)).toBeUndefined();
  });
});

describe('scale table and charts', () => {
  const cells = [
    cell('tokenrelay-axios', 1_000, 4.9, 1.1),
    cell('floor-axios', 1_000, 3.8, 1.0),
    cell('tokenrelay-got', 1_000, 16.0, 1.2),
    cell('floor-got', 1_000, 13.5, 1.25),
    cell('axios-jwt', 1_000, 4.9, 1.2),
    cell('tokenrelay-axios', 50_000, 4.1, 10.3),
    cell('floor-axios', 50_000, 3.8, 9.5),
    cell('tokenrelay-got', 50_000, 13.2, 14.0),
    cell('floor-got', 50_000, 12.9, 14.5, { cpuMs: 9_100 }),
    cell('axios-jwt', 50_000, 4.4, 10.2),
  ];
  const rowOf = (table: string, label: string, n: string): string[] =>
    table
      .split('\n')
      .find((line) => line.startsWith(`| ${label} `) && line.includes(` ${n} `))!
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());

  it('shows each tokenrelay row against its floor and the best peer, with the verdict', () => {
    const table = scaleTable(cells, subject);
    const header = rowOf(`${table}`, 'library', 'N');
    expect(header.slice(-3)).toEqual(['vs floor (heap, wall)', 'vs best peer (heap, wall)', 'verdict']);
    expect(rowOf(table, 'tokenrelay axios', '50,000').slice(-3)).toEqual([
      '+0.30 KB, 1.08×',
      '-0.30 KB, 1.01×',
      'over target (wall 1.01× best peer)',
    ]);
    expect(rowOf(table, 'tokenrelay got', '50,000').slice(-3)).toEqual([
      '+0.30 KB, 0.97×',
      '+8.80 KB, 1.37×',
      'met vs floor (heap, wall)',
    ]);
    // At 1,000 got's floor (13.5 KB) is far above the peer, but the adapter is 2.5 KB over the floor.
    expect(rowOf(table, 'tokenrelay got', '1,000').at(-1)).toBe('over target (heap +2.50 KB over floor)');
    expect(rowOf(table, 'tokenrelay axios', '1,000').at(-1)).toBe('met');
    // Floors and peers are listed with their figures, not judged.
    expect(rowOf(table, 'floor got', '50,000').slice(-3)).toEqual(['', '', '']);
    expect(rowOf(table, 'floor got', '50,000').slice(6, 9)).toEqual(['14.50 s', '9.10 s', '12.90 KB']);
    expect(rowOf(table, 'axios-jwt', '50,000')[7]).toBe('-');
  });

  it("draws each floor dashed in its adapter's colour, in both charts", () => {
    const charts = scaleCharts(cells, subject);
    for (const chart of [charts.heap, charts.time]) {
      const lines = [
        ...chart.matchAll(
          /<polyline fill="none" stroke="(#[0-9a-f]+)" stroke-width="2"( stroke-dasharray="[^"]+")?/g,
        ),
      ];
      expect(lines).toHaveLength(5);
      const dashed = lines.filter((line) => line[2] !== undefined).map((line) => line[1]);
      const solid = lines.filter((line) => line[2] === undefined).map((line) => line[1]);
      expect(dashed).toHaveLength(2);
      // floor axios and floor got share the colours of tokenrelay axios and tokenrelay got (the first two solid).
      expect(dashed).toEqual(solid.slice(0, 2));
      expect(chart).toContain('floor got');
      expect(chart).toContain('dashed');
    }
  });
});
