/**
 * Output: the table printed to the terminal (Markdown, so that it can go into the README as it is) and
 * results.json, written the way the project's formatter (Biome) would write it, so that a run leaves it clean.
 */
import type { Measurement, Spread } from './measure.ts';

const fixed = (value: number, digits: number): string => value.toFixed(digits);

const spread = ({ median, p25, p75 }: Spread): string =>
  `${fixed(median, 3)} (${fixed(p25, 2)}-${fixed(p75, 2)})`;

export function table(measurements: readonly Measurement[], target: number): string {
  const header = [
    'client',
    'mode',
    'bare req/s',
    'wrapped req/s',
    'ratio (IQR)',
    'bare CPU µs/req',
    'wrapped CPU µs/req',
    'CPU ratio (IQR)',
    `ratio <= ${target}`,
  ];
  const rows = measurements.map((m) => [
    m.client,
    m.mode === 'sequential' ? 'sequential' : `concurrency ${m.inFlight}`,
    fixed(m.bare.reqPerSec, 0),
    fixed(m.wrapped.reqPerSec, 0),
    spread(m.ratio.wall),
    fixed(m.bare.cpuUs, 1),
    fixed(m.wrapped.cpuUs, 1),
    spread(m.ratio.cpu),
    m.withinTarget ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const leftAligned = (column: number): boolean => column < 2;
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => (leftAligned(i) ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => `${'-'.repeat(width + 1)}${leftAligned(i) ? '-' : ':'}`).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const LINE_WIDTH = 110;

/** Numbers to 4 significant decimals: timer noise is far larger than that. */
const rounded = (_key: string, value: unknown): unknown =>
  typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(4)) : value;

/**
 * `JSON.stringify(value, null, 2)`, with every array of plain values that fits in the line width on one line,
 * as Biome prints it.
 */
export function toJson(value: unknown): string {
  const expanded = JSON.stringify(value, rounded, 2);
  const primitiveArray = /^( *)(.*)\[\n((?:\1 {2}[^[\]{}\n]*\n)+)\1\]/gm;
  const collapsed = expanded.replace(
    primitiveArray,
    (whole, indent: string, prefix: string, body: string) => {
      const items = body
        .split('\n')
        .map((item) => item.trim().replace(/,$/, ''))
        .filter((item) => item !== '');
      const oneLine = `${indent}${prefix}[${items.join(', ')}]`;
      // The array's own trailing comma, if any, follows the match: count it in the width.
      return oneLine.length + 1 <= LINE_WIDTH ? oneLine : whole;
    },
  );
  return `${collapsed}\n`;
}
