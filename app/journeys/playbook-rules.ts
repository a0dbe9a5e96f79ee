// Pure playbook shapes and limits, shared by the playbook service (server) and the editor page
// (browser). The editor renders its stage and criterion slots from these limits, so they must reach
// the browser bundle: a `.server` module is empty there (see docs/forms-and-feedback.md).
import type { EvidenceType } from '#app/journeys/journey-rules';

export type CriterionDef = { key: string; text: string; required: boolean; evidenceType: EvidenceType | ''; buyerAction: string };
export type StageDef = { key: string; name: string; slaDays: number | null; terminal: boolean; criteria: CriterionDef[] };
export type PlaybookDef = { playbookKey: string; version: number; stages: StageDef[]; note: string; createdAt: string; createdByName: string };

/** Stages before the terminal "live" stage the editor offers, and criteria per stage. */
export const MAX_STAGES = 6;
export const MAX_CRITERIA = 6;

// ---------------------------------------------------------------------------------------------
// Several playbooks, chosen by segment (docs/playbooks.md)

/** The playbook that always exists (the one Kept had before there were several). */
export const DEFAULT_PLAYBOOK_KEY = 'default';

/** A playbook's claim on segments, as the choice rule sees it. */
export type PlaybookClaim = { key: string; name: string; segments: readonly string[] };

/** A journey's playbook key: journeys (and versions) written before there were several have none. */
export const playbookKeyOf = (key: string | null | undefined) => key || DEFAULT_PLAYBOOK_KEY;

/**
 * The playbook a new journey in `segment` starts on: the playbook that claims the segment, else the
 * default one. A segment is claimed by one playbook at most (the editor refuses a second claim); should
 * two ever claim it, the first in `playbooks` (oldest first) wins, so the choice never flickers.
 */
export function choosePlaybookKey(segment: string, playbooks: readonly PlaybookClaim[]): string {
  return playbooks.find((p) => p.segments.includes(segment))?.key ?? DEFAULT_PLAYBOOK_KEY;
}

/** For each segment, the playbook other than `exceptKey` that already claims it (the editor's check). */
export function claimedElsewhere(playbooks: readonly PlaybookClaim[], exceptKey: string | null): Map<string, PlaybookClaim> {
  const claimed = new Map<string, PlaybookClaim>();
  for (const p of playbooks) if (p.key !== exceptKey) for (const s of p.segments) if (!claimed.has(s)) claimed.set(s, p);
  return claimed;
}

/** The segments each playbook ends up serving: its claims, plus every unclaimed segment for the default. */
export function servedSegments(playbooks: readonly PlaybookClaim[], segments: readonly string[]): Map<string, string[]> {
  const served = new Map<string, string[]>(playbooks.map((p) => [p.key, []]));
  if (!served.has(DEFAULT_PLAYBOOK_KEY)) served.set(DEFAULT_PLAYBOOK_KEY, []);
  for (const s of segments) served.get(choosePlaybookKey(s, playbooks))!.push(s);
  return served;
}
