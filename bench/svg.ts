/**
 * SVG charts written by hand (no browser, no dependency): a grid of bars for the scenarios, horizontal bars for the
 * overhead, and lines against N (log scale) for the scale bench. Text is escaped; sizes are fixed so the README
 * shows them the same everywhere.
 */

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const n = (value: number): string => (Number.isInteger(value) ? String(value) : value.toFixed(1));

const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"';

const svg = (title: string, width: number, height: number, body: readonly string[]): string =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');

const text = (x: number, y: number, content: string, attrs = ''): string =>
  `<text x="${n(x)}" y="${n(y)}" ${attrs}>${escapeXml(content)}</text>`;

export interface GridCell {
  /** 0..1: the green part of the bar. */
  readonly fraction: number;
  readonly label: string;
  /** Red outline: the row breaks what the column expects. */
  readonly bad: boolean;
}

/** Rows x columns of small bars with a label each. */
export function gridChart(
  title: string,
  columns: readonly string[],
  rows: readonly { readonly label: string; readonly cells: readonly GridCell[] }[],
): string {
  const left = 290;
  const cellW = 150;
  const rowH = 30;
  const top = 58;
  const width = left + columns.length * cellW + 10;
  const height = top + rows.length * rowH + 30;
  const body: string[] = [text(10, 22, title, 'font-size="15" font-weight="600"')];
  body.push(
    text(
      10,
      40,
      'bar: share of requests that succeeded; label: successes/requests, token calls, reuse detections',
      'fill="#555"',
    ),
  );
  columns.forEach((column, c) => {
    body.push(text(left + c * cellW + 4, top - 4, column, 'font-weight="600"'));
  });
  rows.forEach((row, r) => {
    const y = top + r * rowH;
    if (r % 2 === 0) body.push(`<rect x="0" y="${y}" width="${width}" height="${rowH}" fill="#f6f8fa"/>`);
    body.push(text(10, y + 19, row.label));
    row.cells.forEach((cell, c) => {
      const x = left + c * cellW + 4;
      const w = cellW - 12;
      body.push(`<rect x="${x}" y="${y + 4}" width="${w}" height="8" fill="#e1e4e8"/>`);
      body.push(
        `<rect x="${x}" y="${y + 4}" width="${n(w * Math.max(0, Math.min(1, cell.fraction)))}" height="8" fill="${cell.bad ? '#d73a49' : '#2ea44f'}"/>`,
      );
      body.push(text(x, y + 25, cell.label, `font-size="10.5" fill="${cell.bad ? '#b31d28' : '#24292e'}"`));
    });
  });
  body.push(
    text(
      10,
      height - 10,
      'red: not what tokenrelay guarantees for that scenario',
      'fill="#555" font-size="11"',
    ),
  );
  return svg(title, width, height, body);
}

export interface Bar {
  readonly group: string;
  readonly label: string;
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
  readonly color: string;
}

/** Horizontal bars (ratios), grouped, with reference lines. */
export function ratioChart(
  title: string,
  subtitle: string,
  bars: readonly Bar[],
  references: readonly { readonly value: number; readonly label: string }[],
): string {
  const left = 260;
  const plotW = 420;
  const barH = 16;
  const top = 60;
  const values = bars.flatMap((bar) => [bar.value, bar.high ?? bar.value]);
  const min = Math.min(0.9, ...values.map((v) => Math.floor(v * 20) / 20));
  const max = Math.max(1.1, ...values.map((v) => Math.ceil(v * 20) / 20));
  const x = (value: number): number => left + ((value - min) / (max - min)) * plotW;
  const groups = [...new Set(bars.map((bar) => bar.group))];
  let y = top;
  const body: string[] = [
    text(10, 22, title, 'font-size="15" font-weight="600"'),
    text(10, 40, subtitle, 'fill="#555"'),
  ];
  const rows: string[] = [];
  for (const group of groups) {
    rows.push(text(10, y + 12, group, 'font-weight="600"'));
    y += 18;
    for (const bar of bars.filter((b) => b.group === group)) {
      rows.push(text(24, y + 12, bar.label));
      rows.push(
        `<rect x="${n(x(min))}" y="${y + 2}" width="${n(Math.max(1, x(bar.value) - x(min)))}" height="${barH - 4}" fill="${bar.color}"/>`,
      );
      if (bar.low !== undefined && bar.high !== undefined) {
        rows.push(
          `<line x1="${n(x(bar.low))}" x2="${n(x(bar.high))}" y1="${y + barH / 2}" y2="${y + barH / 2}" stroke="#24292e" stroke-width="1.2"/>`,
        );
      }
      rows.push(text(x(max) + 6, y + 12, bar.value.toFixed(3), 'font-size="11"'));
      y += barH + 2;
    }
    y += 6;
  }
  const height = y + 34;
  for (const reference of references) {
    body.push(
      `<line x1="${n(x(reference.value))}" x2="${n(x(reference.value))}" y1="${top - 4}" y2="${y}" stroke="#6a737d" stroke-dasharray="4 3"/>`,
    );
    body.push(text(x(reference.value) + 3, y + 14, reference.label, 'font-size="11" fill="#555"'));
  }
  for (let tick = Math.ceil(min * 10) / 10; tick <= max + 1e-9; tick += 0.1) {
    body.push(text(x(tick) - 10, y + 28, tick.toFixed(1), 'font-size="10" fill="#555"'));
  }
  return svg(title, left + plotW + 60, height, [...body, ...rows]);
}

export interface Series {
  readonly label: string;
  readonly color: string;
  /** Drawn dashed, with hollow points (a reference line, such as a floor). */
  readonly dashed?: boolean;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** Lines against a log-scale x axis; `note`, if any, under the legend. */
export function lineChart(
  title: string,
  yLabel: string,
  series: readonly Series[],
  xs: readonly number[],
  note?: string,
): string {
  const left = 70;
  const top = 50;
  const plotW = 460;
  const plotH = 260;
  const legendW = 330;
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const maxY = ys.length === 0 ? 1 : Math.max(...ys) * 1.1;
  const minX = Math.log10(Math.min(...xs));
  const maxX = Math.log10(Math.max(...xs));
  const px = (value: number): number =>
    left + ((Math.log10(value) - minX) / Math.max(1e-9, maxX - minX)) * plotW;
  const py = (value: number): number => top + plotH - (value / maxY) * plotH;
  const body: string[] = [
    text(10, 22, title, 'font-size="15" font-weight="600"'),
    `<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#24292e"/>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#24292e"/>`,
    text(10, top - 8, yLabel, 'fill="#555"'),
  ];
  for (const value of xs) {
    body.push(text(px(value) - 14, top + plotH + 16, value.toLocaleString('en-US'), 'font-size="11"'));
  }
  body.push(text(left + plotW / 2 - 60, top + plotH + 34, 'requests waiting (log scale)', 'fill="#555"'));
  for (let i = 0; i <= 4; i++) {
    const value = (maxY / 4) * i;
    body.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${n(py(value))}" y2="${n(py(value))}" stroke="#eaecef"/>`,
    );
    body.push(text(8, py(value) + 4, value >= 100 ? value.toFixed(0) : value.toFixed(1), 'font-size="11"'));
  }
  series.forEach((s, i) => {
    const points = s.points.filter((p) => Number.isFinite(p.y));
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    if (points.length > 1) {
      body.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points.map((p) => `${n(px(p.x))},${n(py(p.y))}`).join(' ')}"/>`,
      );
    }
    const fill =
      s.dashed === true ? `fill="#ffffff" stroke="${s.color}" stroke-width="1.5"` : `fill="${s.color}"`;
    for (const p of points) body.push(`<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="3" ${fill}/>`);
    const ly = top + i * 18;
    if (s.dashed === true) {
      body.push(
        `<line x1="${left + plotW + 18}" x2="${left + plotW + 34}" y1="${ly + 6}" y2="${ly + 6}" stroke="${s.color}" stroke-width="2" stroke-dasharray="4 3"/>`,
      );
    } else {
      body.push(`<rect x="${left + plotW + 20}" y="${ly}" width="12" height="12" fill="${s.color}"/>`);
    }
    body.push(text(left + plotW + 38, ly + 10, s.label, 'font-size="11.5"'));
  });
  if (note !== undefined) {
    body.push(text(left + plotW + 20, top + series.length * 18 + 12, note, 'font-size="10.5" fill="#555"'));
  }
  return svg(title, left + plotW + legendW, top + plotH + 50, body);
}

export const PALETTE: readonly string[] = [
  '#0366d6',
  '#28a745',
  '#6f42c1',
  '#e36209',
  '#d73a49',
  '#b08800',
  '#17a2b8',
  '#586069',
  '#ea4aaa',
];
