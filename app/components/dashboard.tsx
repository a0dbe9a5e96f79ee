// Dashboard building blocks: a chart rendered on the server (recharts 2, fixed id and size, no
// animation so the first HTML already has the bars), its numbers as an accessible table, a CSV
// link, and the URL filter form. Charts stay readable in grey-scale: series differ by pattern and
// dash as well as colour, reference lines are dashed and labelled, values are printed on bars.
import { Form, Link } from '@remix-run/react';
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, LabelList, Line, LineChart, ReferenceLine, XAxis, YAxis } from 'recharts';
import type { Role } from '#app/auth/roles';
import { SEGMENT_OPTIONS } from '#app/utils/format';
import { formatCell, type ColumnKind, type DashboardTable, type TableRow } from '#app/dashboards/dashboard-table';
import { FilterSelect } from '#app/components/forms';
import { NOT_BY_PLAYBOOK } from '#app/dashboards/dashboard-pages';

export type Series = { key: string; label: string };
export type RefLine = { y: number; label: string };

const INK = ['#1f4e79', '#1f4e79', '#6b7d90'];
const TEXT = '#1b2430';

function axisFormat(kind: ColumnKind) {
  return (v: number) => (kind === 'pct' ? `${Math.round(v * 100)} %` : kind === 'ratio' ? v.toFixed(1) : String(Math.round(v * 10) / 10));
}

// recharts' own <Text> wraps words by measuring them, which it can only do in the browser: the
// server would send one line and the browser compute two (a hydration mismatch). Every text in
// these charts is therefore a plain <text> drawn here, and the legend is HTML outside the SVG
// (recharts measures its own legend after mounting, which would shift the plot).
type TickProps = { x?: number; y?: number; payload?: { value: string | number } };
/** Average width of a character of the 12px axis font: sizes the chart to its labels. */
const CHAR_PX = 6.6;
const MAX_TICK_CHARS = 22;
const clip = (text: string) => (text.length > MAX_TICK_CHARS ? `${text.slice(0, MAX_TICK_CHARS - 1)}…` : text);
const XTick = ({ x = 0, y = 0, payload }: TickProps) => (
  <text x={x} y={y + 14} textAnchor="middle" fontSize={12} fill={TEXT}>
    {clip(String(payload?.value ?? ''))}
  </text>
);
/** Width of one category on the x axis: room for its bars and for its label. */
function slotWidth(rows: TableRow[], bars: number) {
  const longest = Math.max(0, ...rows.map((r) => clip(String(r.group ?? '')).length));
  return Math.max(bars * 24 + 36, longest * CHAR_PX + 16);
}
const yTick = (kind: ColumnKind) =>
  function YTick({ x = 0, y = 0, payload }: TickProps) {
    return (
      <text x={x - 4} y={y + 4} textAnchor="end" fontSize={12} fill={TEXT}>
        {axisFormat(kind)(Number(payload?.value ?? 0))}
      </text>
    );
  };
type LabelProps = { x?: number | string; y?: number | string; width?: number | string; value?: number | string | null };
const valueLabel = (kind: ColumnKind) =>
  function ValueLabel({ x = 0, y = 0, width = 0, value }: LabelProps) {
    if (value === null || value === undefined || value === '') return null;
    return (
      <text x={Number(x) + Number(width) / 2} y={Number(y) - 5} textAnchor="middle" fontSize={11} fill={TEXT}>
        {formatCell(Number(value), kind)}
      </text>
    );
  };
type RefLabelProps = { viewBox?: { x?: number; y?: number; width?: number } };
const refLabel = (text: string, below: boolean) =>
  function RefLabel({ viewBox }: RefLabelProps) {
    return (
      <text x={(viewBox?.x ?? 0) + (viewBox?.width ?? 0) + 6} y={(viewBox?.y ?? 0) + (below ? 12 : -3)} fontSize={11} fill={TEXT}>
        {text}
      </text>
    );
  };

/**
 * SVG patterns per series: solid, diagonal hatch, dots (distinguishable without colour). Returned
 * as a bare <defs> element: recharts renders <defs> children of a chart, not custom components.
 */
function patternDefs(id: string) {
  return (
    <defs>
      <pattern id={`${id}-p0`} width="6" height="6" patternUnits="userSpaceOnUse">
        <rect width="6" height="6" fill={INK[0]} />
      </pattern>
      <pattern id={`${id}-p1`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" fill="#ffffff" />
        <rect width="3" height="6" fill={INK[1]} />
      </pattern>
      <pattern id={`${id}-p2`} width="6" height="6" patternUnits="userSpaceOnUse">
        <rect width="6" height="6" fill="#dfe6ee" />
        <circle cx="3" cy="3" r="1.6" fill={INK[2]} />
      </pattern>
    </defs>
  );
}

/** The legend as HTML: a swatch with the series' pattern (or line dash) and its name. */
function ChartLegend({ id, series, lines = false }: { id: string; series: Series[]; lines?: boolean }) {
  if (series.length < 2) return null;
  const dashes = ['0', '6 4', '2 3'];
  return (
    <ul className="chart-legend">
      {series.map((s, i) => (
        <li key={s.key}>
          <svg width="28" height="14" viewBox="0 0 28 14" aria-hidden="true">
            {lines ? (
              <>
                <line x1="1" y1="7" x2="27" y2="7" stroke={INK[i % 3]} strokeWidth="2" strokeDasharray={dashes[i % 3]} />
                <circle cx="14" cy="7" r="4" stroke={INK[i % 3]} strokeWidth="2" fill={i % 2 ? '#ffffff' : INK[i % 3]} />
              </>
            ) : (
              <rect x="1" y="1" width="26" height="12" fill={`url(#${id}-p${i % 3})`} stroke={INK[i % 3]} />
            )}
          </svg>
          {s.label}
        </li>
      ))}
    </ul>
  );
}

function chartRows(rows: TableRow[], keys: string[]) {
  // recharts wants numbers (null leaves a gap); the first column is the category.
  return rows.map((r) => Object.fromEntries([['group', String(r.group ?? '')], ...keys.map((k) => [k, typeof r[k] === 'number' ? r[k] : null])]));
}

export function BarFigure({
  id,
  table,
  series,
  kind,
  refLines = [],
  height = 260,
}: {
  id: string;
  table: DashboardTable;
  series: Series[];
  kind: ColumnKind;
  refLines?: RefLine[];
  height?: number;
}) {
  const rows = table.rows.filter((r) => r.group !== 'All cohorts');
  const data = chartRows(
    rows,
    series.map((s) => s.key),
  );
  const width = Math.max(480, Math.min(1040, 170 + rows.length * slotWidth(rows, series.length)));
  const showLabels = rows.length * series.length <= 24;
  const Label = valueLabel(kind);
  return (
    <>
      <ChartLegend id={id} series={series} />
      <BarChart id={id} width={width} height={height} data={data} margin={{ top: 20, right: 100, bottom: 8, left: 8 }}>
        {patternDefs(id)}
        <CartesianGrid strokeDasharray="2 4" vertical={false} />
        <XAxis dataKey="group" interval={0} tick={<XTick />} />
        <YAxis domain={[0, kind === 'pct' ? 1 : 'auto']} tickCount={kind === 'pct' ? 5 : 6} tick={yTick(kind)} width={56} allowDecimals={kind !== 'int'} />
        {series.map((s, i) => (
          <Bar key={s.key} dataKey={s.key} name={s.label} maxBarSize={64} fill={`url(#${id}-p${i % 3})`} stroke={INK[i % 3]} isAnimationActive={false}>
            {showLabels ? <LabelList dataKey={s.key} content={<Label />} /> : null}
          </Bar>
        ))}
        {refLines.map((r, i) => {
          // Two close lines (target 85 %, floor 80 %): the lower one's label goes under it.
          const RefText = refLabel(
            r.label,
            refLines.some((o) => o.y > r.y),
          );
          return <ReferenceLine key={r.label} y={r.y} ifOverflow="extendDomain" stroke={TEXT} strokeDasharray={i % 2 ? '2 3' : '6 4'} strokeWidth={1.5} label={<RefText />} />;
        })}
      </BarChart>
    </>
  );
}

export function LineFigure({ id, table, series, kind }: { id: string; table: DashboardTable; series: Series[]; kind: ColumnKind }) {
  const data = chartRows(
    table.rows,
    series.map((s) => s.key),
  );
  const dashes = ['0', '6 4', '2 3'];
  const width = Math.max(480, Math.min(1040, 140 + table.rows.length * slotWidth(table.rows, 2)));
  const Label = valueLabel(kind);
  return (
    <>
      <ChartLegend id={id} series={series} lines />
      <LineChart id={id} width={width} height={260} data={data} margin={{ top: 20, right: 30, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="2 4" vertical={false} />
        <XAxis dataKey="group" interval={0} tick={<XTick />} padding={{ left: 20, right: 20 }} />
        <YAxis tick={yTick(kind)} width={56} allowDecimals={false} />
        {series.map((s, i) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.label}
            stroke={INK[i % 3]}
            strokeWidth={2}
            strokeDasharray={dashes[i % 3]}
            dot={{ r: 4, strokeWidth: 2, fill: i % 2 ? '#ffffff' : INK[i % 3] }}
            isAnimationActive={false}
            connectNulls={false}
          >
            <LabelList dataKey={s.key} content={<Label />} />
          </Line>
        ))}
      </LineChart>
    </>
  );
}

/** The numbers of a chart as a table (caption = chart title), first cell linking to the drill-down. */
export function DataTableView({ table }: { table: DashboardTable }) {
  return (
    <div className="table-wrap">
      <table data-testid={`table-${table.id}`} className={table.columns.length > 8 ? 'dense' : undefined}>
        <caption className="sr-only">{table.title}</caption>
        <thead>
          <tr>
            {table.columns.map((c) => (
              <th key={c.key} scope="col" className={c.kind === 'text' ? undefined : 'num'}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, i) => (
            <tr key={`${String(row.group)}-${i}`}>
              {table.columns.map((c, j) =>
                j === 0 ? (
                  <th key={c.key} scope="row">
                    {row._href ? <Link to={row._href}>{formatCell(row[c.key], c.kind, table.currency)}</Link> : formatCell(row[c.key], c.kind, table.currency)}
                    {row._flag ? <div className="muted small">{row._flag}</div> : null}
                  </th>
                ) : (
                  <td key={c.key} className={c.key === 'notes' ? 'notes' : c.kind === 'text' ? undefined : 'num'}>
                    {formatCell(row[c.key], c.kind, table.currency)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A chart section: title, the chart (hidden from screen readers, which get the table), the table,
 * and a CSV download of the same numbers with the current filters.
 */
export function ChartSection({ table, search, empty, children, note }: { table: DashboardTable; search: string; empty: ReactNode; children?: ReactNode; note?: ReactNode }) {
  const hasRows = table.rows.length > 0;
  return (
    <section className="panel chart-section" aria-labelledby={`${table.id}-title`} data-testid={`section-${table.id}`}>
      <div className="chart-head">
        <h2 id={`${table.id}-title`}>{table.title}</h2>
        {hasRows ? (
          <a className="button secondary small" href={`/dashboards/csv/${table.id}${search}`} download={`${table.id}.csv`}>
            Download CSV<span className="sr-only"> of {table.title}</span>
          </a>
        ) : null}
      </div>
      {note ? <p className="muted">{note}</p> : null}
      {hasRows ? (
        <>
          {children ? (
            <figure className="chart" aria-hidden="true" data-testid={`chart-${table.id}`}>
              {children}
            </figure>
          ) : null}
          <DataTableView table={table} />
        </>
      ) : (
        <p className="empty">{empty}</p>
      )}
    </section>
  );
}

export type FilterOptions = { reps: { id: string; name: string }[]; csms: { id: string; name: string }[]; playbooks: { id: string; name: string }[] };
type FilterQuery = { from?: string; to?: string; segment?: string; rep?: string; csm?: string; cohort?: string; wave?: string; currency?: string; playbook?: string };

/**
 * Why a page has no playbook filter (its figures are not kept per playbook): a quiet line under the
 * filters, or a notice naming the playbook when the URL asks for one (the tabs keep it from the
 * time-to-live and forecast pages), so the figures are never taken for that playbook's.
 */
export function NotByPlaybook({ page, asked }: { page: keyof typeof NOT_BY_PLAYBOOK; asked: string | null }) {
  return asked ? (
    <p className="notice" role="status" data-testid="playbook-not-applied">
      Playbook “{asked}” does not filter this page: {NOT_BY_PLAYBOOK[page]}. Showing every playbook.
    </p>
  ) : (
    <p className="muted small" data-testid="playbook-not-applied">
      No playbook filter here: {NOT_BY_PLAYBOOK[page]}.
    </p>
  );
}

/**
 * The filter form (GET: the filters live in the URL, so a view can be shared). `show.playbook`: the
 * page's figures are kept per playbook; else `notByPlaybook` says why there is no such filter.
 */
export function DashboardFilters({
  query,
  options,
  show,
  currencies = [],
  clearTo,
  notByPlaybook,
}: {
  query: FilterQuery;
  options: FilterOptions;
  show: { rep?: boolean; csm?: boolean; wave?: boolean; currency?: boolean; playbook?: boolean };
  currencies?: string[];
  clearTo: string;
  notByPlaybook?: { page: keyof typeof NOT_BY_PLAYBOOK; asked: string | null };
}) {
  return (
    <>
      <Form method="get" className="toolbar filters" role="search" aria-label="Dashboard filters">
        <div className="field">
          <label htmlFor="f-from">Closed won from</label>
          <input id="f-from" type="date" name="from" defaultValue={query.from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-to">to</label>
          <input id="f-to" type="date" name="to" defaultValue={query.to ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="f-cohort">Cohort</label>
          <input id="f-cohort" type="text" name="cohort" placeholder="2026Q1" pattern="\d{4}Q[1-4]" defaultValue={query.cohort ?? ''} />
        </div>
        <FilterSelect id="f-segment" label="Segment" name="segment" defaultValue={query.segment ?? ''} anyLabel="All segments" options={SEGMENT_OPTIONS} />
        {show.playbook ? (
          <FilterSelect
            id="f-playbook"
            label="Playbook"
            name="playbook"
            defaultValue={query.playbook ?? ''}
            anyLabel="All playbooks"
            options={options.playbooks.map((p) => ({ value: p.id, label: p.name }))}
          />
        ) : null}
        {show.rep && options.reps.length ? (
          <FilterSelect id="f-rep" label="Rep" name="rep" defaultValue={query.rep ?? ''} anyLabel="All reps" options={options.reps.map((u) => ({ value: u.id, label: u.name }))} />
        ) : null}
        {show.csm && options.csms.length ? (
          <FilterSelect
            id="f-csm"
            label="CSM"
            name="csm"
            defaultValue={query.csm ?? ''}
            anyLabel="All CSMs"
            extra={[{ value: 'none', label: 'Unassigned' }]}
            options={options.csms.map((u) => ({ value: u.id, label: u.name }))}
          />
        ) : null}
        {show.wave ? (
          <div className="field">
            <label htmlFor="f-wave">Wave</label>
            <select id="f-wave" name="wave" defaultValue={query.wave ?? ''}>
              <option value="">All waves</option>
              {['6', '9', '12'].map((w) => (
                <option key={w} value={w}>
                  {w} months
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {show.currency && currencies.length > 1 ? (
          <div className="field">
            <label htmlFor="f-currency">Currency</label>
            <select id="f-currency" name="currency" defaultValue={query.currency ?? ''}>
              {currencies.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <button type="submit">Apply filters</button>
        <Link to={clearTo} className="button secondary">
          Clear filters
        </Link>
      </Form>
      {notByPlaybook ? <NotByPlaybook page={notByPlaybook.page} asked={notByPlaybook.asked} /> : null}
    </>
  );
}

/**
 * What a dashboard page tells the section's layout (app/routes/_staff.dashboards/route.tsx): its
 * heading for the role, its tab, and whether the tabs keep the filters of its URL.
 */
export type DashboardPageHandle = { dashboard: { tab: string; heading: (role: Role) => string; keepsFilters?: false } };

/** The closing panel of a dashboard page: how each of its figures is computed, one item each. */
export function Formulas({ children }: { children: ReactNode }) {
  return (
    <section className="panel formulas" aria-labelledby="formulas">
      <h2 id="formulas">How these figures are computed</h2>
      <ul>{children}</ul>
    </section>
  );
}

/** Sub-navigation between the dashboard pages the role may open. */
export function DashboardTabs({ pages, current, search }: { pages: { to: string; label: string }[]; current: string; search: string }) {
  return (
    <nav className="tabs" aria-label="Dashboards">
      {pages.map((p) => (
        <Link key={p.to} to={`${p.to}${search}`} aria-current={p.to === current ? 'page' : undefined}>
          {p.label}
        </Link>
      ))}
    </nav>
  );
}

export function Stat({ label, value, detail, tone, testId }: { label: string; value: ReactNode; detail?: ReactNode; tone?: 'ok' | 'warn' | 'bad'; testId?: string }) {
  return (
    <div className={`card${tone ? ` tone-${tone}` : ''}`} data-testid={testId}>
      <div className="label">{label}</div>
      <div className="value">{value}</div>
      {detail ? <div className="muted small">{detail}</div> : null}
    </div>
  );
}
