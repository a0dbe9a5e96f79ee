// Pure constants and helpers for journeys, shared by services (server) and pages (browser): no mongoose here.
import { formatDays } from '#app/utils/format';

/** What proves a criterion. `cs_acceptance` is recorded by Kept when CS accepts a handoff. */
export const EVIDENCE_TYPES = ['buyer_confirmation', 'email', 'meeting', 'document', 'cs_acceptance'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

/** Evidence a staff member attaches by hand: always a link (https) to the record, with a note. */
export const LINK_EVIDENCE_KINDS = ['email', 'meeting', 'document'] as const;
export type LinkEvidenceKind = (typeof LINK_EVIDENCE_KINDS)[number];

export const EVIDENCE_LABELS: Record<EvidenceType, string> = {
  buyer_confirmation: 'Buyer confirmation (shared plan page)',
  email: 'Email record',
  meeting: 'Meeting record',
  document: 'Document',
  cs_acceptance: 'CS acceptance (recorded by Kept)',
};

export const HEALTHS = ['on_track', 'at_risk', 'stalled', 'live'] as const;
export type Health = (typeof HEALTHS)[number];

export const HEALTH_LABELS: Record<Health, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  stalled: 'Stalled',
  live: 'Live',
};

export const HEALTH_BADGE: Record<Health, string> = { on_track: 'ok', at_risk: 'warn', stalled: 'bad', live: 'ok' };

/** Share of a stage's SLA after which a journey is "at risk" (past it: "stalled"). */
export const AT_RISK_SHARE = 0.75;

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** Whole and fractional days between two instants, one decimal. */
export function daysBetween(from: string | Date, to: string | Date) {
  const ms = new Date(to).getTime() - new Date(from).getTime();
  return Math.round((ms / DAY_MS) * 10) / 10;
}

/** "3.5 days", "1 day", "5 h" for short spans. */
export function formatDuration(days: number | null | undefined) {
  if (days === null || days === undefined) return '—';
  if (days < 1) return `${Math.max(0, Math.round(days * 24))} h`;
  // Whole days: '4 days' reads better than '4.3 days' and matches every other count on the page.
  return formatDays(days);
}

/**
 * Which kinds of evidence satisfy a criterion of a given evidence type. A criterion that names the
 * buyer's confirmation is met only by the buyer's own confirmation on the shared plan page (what
 * the criterion says); a buyer confirmation is accepted wherever else the buyer's word counts. The
 * CS acceptance is only ever recorded by the "Accept handoff" action.
 */
export const ACCEPTED_KINDS: Record<EvidenceType | '', readonly EvidenceType[]> = {
  buyer_confirmation: ['buyer_confirmation'],
  email: ['email', 'buyer_confirmation'],
  meeting: ['meeting', 'buyer_confirmation'],
  document: ['document', 'buyer_confirmation'],
  cs_acceptance: ['cs_acceptance'],
  '': ['buyer_confirmation', 'email', 'meeting', 'document'],
};

/** True when evidence of `kind` meets a criterion of `evidenceType`. */
export function evidenceMeets(evidenceType: EvidenceType | '' | null | undefined, kind: string) {
  return (ACCEPTED_KINDS[evidenceType ?? ''] ?? []).includes(kind as EvidenceType);
}

export type EvidenceLike = { _id?: unknown; stage: string; criterionKey: string; kind: string; retractedAt?: Date | null };

/** True when a live (not retracted) piece of evidence of an accepted kind backs the criterion. */
export function isSatisfied(stageKey: string, criterion: { key: string; evidenceType: EvidenceType | '' }, evidence: EvidenceLike[]) {
  return evidence.some((e) => !e.retractedAt && e.stage === stageKey && e.criterionKey === criterion.key && evidenceMeets(criterion.evidenceType, e.kind));
}

/**
 * What a staff member's link does to a criterion: meets it; is kept beside it as a note (a CSM's
 * email on a criterion only the buyer can confirm: context, not proof); or is refused (the wrong kind
 * of record for what the criterion names).
 */
export function linkEvidenceEffect(evidenceType: EvidenceType | '', kind: LinkEvidenceKind): 'meets' | 'note' | 'refused' {
  if (evidenceMeets(evidenceType, kind)) return 'meets';
  return evidenceType === 'buyer_confirmation' ? 'note' : 'refused';
}

/** An evidence link is a secure web address: https:// with a host (the form's label says so). */
export function isHttpsLink(value: string) {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && Boolean(url.hostname) && /^https:\/\//i.test(value.trim());
  } catch {
    return false;
  }
}

/** True when the buyer can confirm this criterion on the shared plan page. */
export function buyerCanConfirm(criterion: { evidenceType?: string | null; buyerAction?: string | null }) {
  const accepted = ACCEPTED_KINDS[(criterion.evidenceType ?? '') as EvidenceType | ''] ?? [];
  return Boolean(criterion.buyerAction) && accepted.includes('buyer_confirmation');
}
