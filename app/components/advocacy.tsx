import { NavLink } from '@remix-run/react';
import { ASK_STATUS_BADGE, ASK_STATUS_LABELS, ASK_TYPE_LABELS, type AskStatus, type AskType } from '#app/advocacy/advocacy-types';
import { formatDate } from '#app/utils/format';

const TABS = [
  { to: '/advocacy', label: 'Candidates', end: true },
  { to: '/advocacy/asks', label: 'Asks', end: false },
  { to: '/advocacy/reviews', label: 'Review invitations', end: false },
  { to: '/advocacy/referrals', label: 'Referrals', end: false },
  { to: '/advocacy/figures', label: 'Figures', end: false },
];

/** The advocacy section's own navigation (marketing, leadership, admin). */
export function AdvocacyTabs() {
  return (
    <nav className="tabs" aria-label="Advocacy">
      {TABS.map((t) => (
        <NavLink key={t.to} to={t.to} end={t.end}>
          {t.label}
        </NavLink>
      ))}
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
