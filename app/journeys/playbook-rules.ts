// Pure playbook shapes and limits, shared by the playbook service (server) and the editor page
// (browser). The editor renders its stage and criterion slots from these limits, so they must reach
// the browser bundle: a `.server` module is empty there (see docs/forms-and-feedback.md).
import type { EvidenceType } from '#app/journeys/journey-rules';

export type CriterionDef = { key: string; text: string; required: boolean; evidenceType: EvidenceType | ''; buyerAction: string };
export type StageDef = { key: string; name: string; slaDays: number | null; terminal: boolean; criteria: CriterionDef[] };
export type PlaybookDef = { version: number; stages: StageDef[]; note: string; createdAt: string; createdByName: string };

/** Stages before the terminal "live" stage the editor offers, and criteria per stage. */
export const MAX_STAGES = 6;
export const MAX_CRITERIA = 6;
