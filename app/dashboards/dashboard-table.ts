// The numbers behind every dashboard chart: one table shape for the page (accessible table), the
// chart (same rows) and the CSV download. Pure and browser-safe.
import { toCsv, type CsvCell } from '#app/utils/csv';

export const CHART_IDS = [
  'value-by-wave',
  'value-by-cohort',
  'value-by-rep',
  'value-by-segment',
  'promise-by-category',
  'promise-by-rep',
  'ttl-by-cohort',
  'stage-time',
  'reaction-by-cohort',
  'stalled-age',
  'stalled-longest',
  'conversion-by-cohort',
  'forecast-by-stage',
  'backtest',
  'profitability-by-cohort',
  'ltv-cac-by-cohort',
  'payback-by-cohort',
  'recovery-by-rep',
  'recovery-by-csm',
  'recovery-by-category',
  'recovery-by-cohort',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

export type ColumnKind = 'text' | 'int' | 'pct' | 'num' | 'money' | 'days' | 'hours' | 'ratio' | 'months';
export type TableColumn = { key: string; label: string; kind: ColumnKind };
export type TableValue = string | number | null;
/** A row: column key -> value; `_href` links the first cell (drill-down), `_flag` marks a caveat shown after it. */
export type TableRow = { [key: string]: TableValue | undefined; _href?: string; _flag?: string };
export type DashboardTable = { id: ChartId; title: string; columns: TableColumn[]; rows: TableRow[]; currency?: string; note?: string };

const pct1 = (v: number) => Math.round(v * 1000) / 10;

/** A cell as the page shows it. */
export function formatCell(value: TableValue | undefined, kind: ColumnKind, currency = 'USD'): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') return value;
  switch (kind) {
    case 'int':
      return Math.round(value).toLocaleString('en-US');
    case 'pct':
      return `${pct1(value).toFixed(1)} %`;
    case 'money':
      return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(value);
    case 'days':
      return `${value.toFixed(1)} d`;
    case 'hours':
      return `${value.toFixed(1)} h`;
    case 'months':
      return `${value.toFixed(1)} mo`;
    case 'ratio':
      return `${value.toFixed(2)}`;
    case 'num':
      return (Math.round(value * 100) / 100).toLocaleString('en-US');
    default:
      return String(value);
  }
}

/** A cell as the CSV carries it: numbers stay numbers (percentages as percent, one decimal). */
function csvCell(value: TableValue | undefined, kind: ColumnKind): CsvCell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (kind === 'pct') return pct1(value);
  if (kind === 'int') return Math.round(value);
  return Math.round(value * 100) / 100;
}

/** The table as a CSV document (header = column labels, percentages in percent). */
export function tableCsv(table: DashboardTable): string {
  const header = table.columns.map((c) => (c.kind === 'money' && table.currency ? `${c.label} (${table.currency})` : c.label));
  const rows = table.rows.map((row) => table.columns.map((c) => csvCell(row[c.key], c.kind)));
  return toCsv(header, rows);
}
