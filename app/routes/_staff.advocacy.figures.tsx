import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import type { AdvocacyPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { getAdvocacyFigures } from '#app/advocacy/advocacy.server';
import { ASK_TYPE_LABELS, PLATFORM_LABELS } from '#app/advocacy/advocacy-types';
import { formatMoney, plural } from '#app/utils/format';

export const meta: MetaFunction = () => [{ title: 'Advocacy figures · Kept' }];

export const handle = { advocacy: {} } satisfies AdvocacyPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'advocacy.view' });
  return getAdvocacyFigures();
}

type Group = { id: string; name: string; currency: string; referrals: number; open: number; won: number; pipeline: number; revenue: number };

function AttributionTable({ title, rows, link }: { title: string; rows: Group[]; link?: (id: string) => string }) {
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">No referrals yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>{title.replace('Referred revenue by ', '')}</th>
              <th className="num">Referrals</th>
              <th className="num">Open</th>
              <th className="num">Became deals</th>
              <th className="num">Referred pipeline</th>
              <th className="num">Referred revenue</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((g) => (
              <tr key={`${g.id}|${g.currency}`}>
                <td>{link ? <Link to={link(g.id)}>{g.name}</Link> : g.name}</td>
                <td className="num">{g.referrals}</td>
                <td className="num">{g.open}</td>
                <td className="num">{g.won}</td>
                <td className="num">{formatMoney(g.pipeline, g.currency)}</td>
                <td className="num">{formatMoney(g.revenue, g.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export default function Figures() {
  const f = useLoaderData<typeof loader>();
  return (
    <>
      <div className="cards">
        <div className="card">
          <div className="label">Referral candidates</div>
          <div className="value">{f.candidates.referral}</div>
        </div>
        <div className="card">
          <div className="label">Reference candidates</div>
          <div className="value">{f.candidates.reference}</div>
        </div>
        <div className="card">
          <div className="label">Case-study candidates</div>
          <div className="value">{f.candidates.case_study}</div>
        </div>
        <div className="card">
          <div className="label">Expansion candidates (flagged to reps)</div>
          <div className="value">{f.candidates.expansion}</div>
        </div>
        {f.referralTotals.map((t) => (
          <div className="card" key={t.currency}>
            <div className="label">Referred revenue ({t.currency})</div>
            <div className="value">{formatMoney(t.revenue, t.currency)}</div>
            <div className="muted">
              {t.won} of {plural(t.referrals, 'referral')} became {t.won === 1 ? 'a deal' : 'deals'}; {formatMoney(t.pipeline, t.currency)} open pipeline
            </div>
          </div>
        ))}
      </div>
      <p className="muted">Candidates count customers whose survey conditions hold today (before the ask budget). Figures come from Kept’s rollups.</p>

      <section className="panel" aria-labelledby="asks">
        <h2 id="asks">Asks by type and status</h2>
        <table>
          <thead>
            <tr>
              <th>Ask</th>
              <th className="num">Asked</th>
              <th className="num">Waiting</th>
              <th className="num">Accepted</th>
              <th className="num">Completed</th>
              <th className="num">Declined</th>
              <th className="num">No response</th>
              <th className="num">Conversion (asked → completed)</th>
            </tr>
          </thead>
          <tbody>
            {f.asksByType.map((a) => (
              <tr key={a.type}>
                <td>{ASK_TYPE_LABELS[a.type]}</td>
                <td className="num">{a.asked}</td>
                <td className="num">{a.open}</td>
                <td className="num">{a.accepted}</td>
                <td className="num">{a.completed}</td>
                <td className="num">{a.declined}</td>
                <td className="num">{a.noResponse}</td>
                <td className="num">{a.conversionPct === null ? '—' : `${a.conversionPct} %`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="panel" aria-labelledby="reviews">
        <h2 id="reviews">Reviews per platform</h2>
        <table>
          <thead>
            <tr>
              <th>Platform</th>
              <th className="num">Invited</th>
              <th className="num">Published</th>
            </tr>
          </thead>
          <tbody>
            {f.reviewsByPlatform.map((r) => (
              <tr key={r.platform}>
                <td>{PLATFORM_LABELS[r.platform]}</td>
                <td className="num">{r.invited}</td>
                <td className="num">{r.published}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <AttributionTable title="Referred revenue by advocate" rows={f.byAdvocate} link={(id) => `/advocacy/candidates/${id}`} />
      <AttributionTable title="Referred revenue by origin deal" rows={f.byOrigin} link={(id) => `/deals/${id}`} />
      <AttributionTable title="Referred revenue by rep" rows={f.byRep} />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
