import { Link, NavLink, useLocation } from '@remix-run/react';
import type { ReactNode } from 'react';
import { ASK_STATUS_BADGE, ASK_STATUS_LABELS, ASK_TYPE_LABELS, type AskStatus, type AskType } from '#app/advocacy/advocacy-types';
import { formatDate } from '#app/utils/format';

// `within`: deeper pages that belong to the tab (one candidate's page lies under Candidates).
const TABS: { to: string; label: string; end: boolean; within?: string }[] = [
  { to: '/advocacy', label: 'Candidates', end: true, within: '/advocacy/candidates/' },
  { to: '/advocacy/asks', label: 'Asks', end: false },
  { to: '/advocacy/reviews', label: 'Review invitations', end: false },
  { to: '/advocacy/referrals', label: 'Referrals', end: false },
  { to: '/advocacy/figures', label: 'Figures', end: false },
];

/**
 * What an advocacy page tells the section's layout (app/routes/_staff.advocacy.tsx) to put above it:
 * a way back, its heading (default "Advocacy"; from the page's loader data for one record), the CSV
 * download its header offers, and the heading a reader outside the section sees (sales on referrals).
 */
export type AdvocacyPageHandle = {
  advocacy: { back?: { to: string; label: string }; heading?: (data: unknown) => ReactNode; download?: { href: string; label: string }; outsiderHeading?: string };
};

/** The handle of one record's page: the way back, and its heading drawn from its loader data `D`. */
export function recordPageHandle<D>(back: { to: string; label: string }, heading: (data: D) => ReactNode): AdvocacyPageHandle {
  return { advocacy: { back, heading: (data) => heading(data as D) } };
}

/** The heading and tabs of an advocacy page; outside the section (no advocacy.view), its own heading only. */
export function AdvocacyHeader({ page, data, inSection }: { page: AdvocacyPageHandle['advocacy']; data: unknown; inSection: boolean }) {
  return (
    <>
      {page.back ? (
        <p>
          <Link to={page.back.to}>← {page.back.label}</Link>
        </p>
      ) : null}
      <div className="page-header">
        <h1>{inSection ? (page.heading?.(data) ?? 'Advocacy') : page.outsiderHeading}</h1>
        {inSection && page.download ? (
          <a className="button secondary" href={page.download.href} download>
            {page.download.label}
          </a>
        ) : null}
      </div>
      {inSection ? <AdvocacyTabs /> : null}
    </>
  );
}

/** The advocacy section's own navigation (marketing, leadership, admin). */
function AdvocacyTabs() {
  const { pathname } = useLocation();
  return (
    <nav className="tabs" aria-label="Advocacy">
      {TABS.map((t) =>
        t.within && pathname.startsWith(t.within) ? (
          <Link key={t.to} to={t.to} aria-current="page">
            {t.label}
          </Link>
        ) : (
          <NavLink key={t.to} to={t.to} end={t.end}>
            {t.label}
          </NavLink>
        ),
      )}
    </nav>
  );
}

export function AskStatusBadge({ status }: { status: AskStatus }) {
  return <span className={`badge ${ASK_STATUS_BADGE[status]}`}>{ASK_STATUS_LABELS[status]}</span>;
}

/** "Referral (sent 3 Mar 2026)" lines: the asks a contact already received. */
export function PastAsks({ asks }: { asks: { id: string; type: AskType; status: AskStatus; sentAt: string | null }[] }) {
  if (asks.length === 0) return <span className="muted">never asked</span>;
  return (
    <ul className="plain">
      {asks.map((a) => (
        <li key={a.id}>
          {ASK_TYPE_LABELS[a.type]} · {formatDate(a.sentAt)} <AskStatusBadge status={a.status} />
        </li>
      ))}
    </ul>
  );
}
