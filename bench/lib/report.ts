import { Spread } from './stats';

/** One line of the results table. */
export interface Row {
  scenario: string;
  measure: string;
  unit: string;
  televisit: Spread;
  baseline?: { name: string; value: Spread };
  /** Televisit ÷ baseline (medians). */
  ratio?: number;
  goal?: string;
  met?: boolean;
  note?: string;
}

const fmt = (n: number) =>
  !Number.isFinite(n)
    ? '–'
    : Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : Math.abs(n) >= 10
        ? n.toFixed(1)
        : n.toFixed(2);

export const showSpread = (s: Spread) =>
  s.min === s.max ? fmt(s.median) : `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;

/** The results as a Markdown table (also printed to the terminal). */
export function table(rows: Row[]): string {
  const header = ['scenario', 'measure', 'Televisit', 'baseline', 'ratio', 'goal', ''];
  const lines = rows.map((row) => [
    row.scenario,
    `${row.measure} (${row.unit})`,
    showSpread(row.televisit),
    row.baseline ? `${showSpread(row.baseline.value)} ${row.baseline.name}` : '',
    row.ratio === undefined ? '' : row.ratio.toFixed(2),
    row.goal ?? '',
    row.met === undefined ? '' : row.met ? 'met' : '**missed**',
  ]);
  return [header, header.map(() => '---'), ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
}
