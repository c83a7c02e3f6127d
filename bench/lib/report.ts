import type { BenchRow } from '../types.js';

function number(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(Math.abs(value) >= 10 ? 1 : 2);
}

function ms(value: number | undefined): string {
  return value === undefined ? '' : `${value.toFixed(value >= 10 ? 0 : 1)} ms`;
}

export function ratioOf(row: BenchRow): number {
  return row.referenceValue > 0 ? row.value / row.referenceValue : Number.NaN;
}

function micros(value: number | undefined): string {
  return value === undefined ? '' : `${value.toFixed(value >= 100 ? 0 : 1)} µs`;
}

/** One plain-text table: scenario, value, p50, p99, CPU per request (server, PostgreSQL), reference, ratio, goal. */
export function formatTable(rows: BenchRow[]): string {
  const header = ['scenario', 'value', 'p50', 'p99', 'cpu/req', 'pg cpu/req', 'reference', 'ratio', 'goal'];
  const body = rows.map((row) => {
    const ratio = ratioOf(row);
    const goal = row.goalRatio === undefined ? '' : `≥ ${number(row.goalRatio)}× ${ratio >= row.goalRatio ? 'met' : 'MISSED'}`;
    return [
      row.scenario,
      `${number(row.value)} ${row.unit}`,
      ms(row.p50Ms),
      ms(row.p99Ms),
      micros(row.cpu?.serverUs),
      micros(row.cpu?.databaseUs),
      `${row.reference}: ${number(row.referenceValue)}`,
      Number.isNaN(ratio) ? '' : `${ratio.toFixed(3)}×`,
      goal,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
