import type { RecoveryStatus } from '#app/recovery/recovery-rules';
import { RECOVERY_STATUS_LABELS } from '#app/recovery/recovery-rules';

const STATUS_BADGE: Record<RecoveryStatus, string> = { open: 'warn', plan_agreed: 'muted', delivered: 'ok', wont_deliver: 'muted', escalated: 'bad' };

/** A recovery case's status as a badge. */
export function RecoveryStatusBadge({ status }: { status: RecoveryStatus }) {
  return <span className={`badge ${STATUS_BADGE[status]}`}>{RECOVERY_STATUS_LABELS[status]}</span>;
}
