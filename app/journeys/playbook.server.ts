import { recordAudit } from '#models/audit-event';
import { Playbook } from '#models/playbook';
import { insertOnce } from '#app/platform/db.server';
import type { SessionUser } from '#app/auth/session.server';
import { EVIDENCE_TYPES, type EvidenceType } from '#app/journeys/journey-rules';
import { MAX_CRITERIA, MAX_STAGES, type CriterionDef, type PlaybookDef, type StageDef } from '#app/journeys/playbook-rules';

export type { CriterionDef, PlaybookDef, StageDef };

/** The post-sale stages Kept ships with (stages 9-11 of the sales process it grew from). */
export const DEFAULT_PLAYBOOK_STAGES: StageDef[] = [
  {
    key: 'handoff',
    name: 'Handoff',
    slaDays: 7,
    terminal: false,
    criteria: [
      { key: 'cs-accepted', text: 'CS accepted the handoff', required: true, evidenceType: 'cs_acceptance', buyerAction: '' },
      {
        key: 'handoff-call',
        text: 'The buyer attended the handoff call with the implementation team',
        required: true,
        evidenceType: 'meeting',
        buyerAction: 'Attends the handoff call with the implementation team',
      },
      {
        key: 'kickoff-confirmed',
        text: 'The buyer confirmed the kickoff date and the recorded promises',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: 'Confirms the kickoff date and the promises recorded in the sale',
      },
    ],
  },
  {
    key: 'implementation',
    name: 'Implementation',
    slaDays: 45,
    terminal: false,
    criteria: [
      {
        key: 'plan-signed-off',
        text: 'The buyer signed off the implementation plan',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: 'Signs off the implementation plan',
      },
      {
        key: 'production-ready',
        text: 'The buyer confirmed the solution is ready for production',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: 'Confirms the solution is ready for production',
      },
    ],
  },
  { key: 'live', name: 'Live', slaDays: null, terminal: true, criteria: [] },
];

type StoredPlaybook = {
  version: number;
  stages: {
    key: string;
    name: string;
    slaDays?: number | null;
    terminal?: boolean | null;
    criteria: { key: string; text: string; required?: boolean | null; evidenceType?: string | null; buyerAction?: string | null }[];
  }[];
  note?: string | null;
  createdAt?: Date;
  createdByName?: string | null;
};

function toDef(p: StoredPlaybook): PlaybookDef {
  return {
    version: p.version,
    note: p.note ?? '',
    createdAt: (p.createdAt ?? new Date(0)).toISOString(),
    createdByName: p.createdByName ?? 'Kept',
    stages: p.stages.map((s) => ({
      key: s.key,
      name: s.name,
      slaDays: s.slaDays ?? null,
      terminal: Boolean(s.terminal),
      criteria: s.criteria.map((c) => ({
        key: c.key,
        text: c.text,
        required: c.required !== false,
        evidenceType: (c.evidenceType ?? '') as EvidenceType | '',
        buyerAction: c.buyerAction ?? '',
      })),
    })),
  };
}

// Versions never change once written, so they are cached for the life of the process.
const versions = new Map<number, PlaybookDef>();

/** Writes version 1 (the default playbook) if no playbook exists yet; safe to call concurrently. */
export async function ensureDefaultPlaybook() {
  if (versions.has(1) || (await Playbook.exists({ version: 1 }))) return;
  await insertOnce(Playbook, { version: 1, stages: DEFAULT_PLAYBOOK_STAGES, note: 'Default playbook shipped with Kept', createdByName: 'Kept' });
}

/** One playbook version (immutable), or null. */
export async function getPlaybookVersion(version: number): Promise<PlaybookDef | null> {
  const cached = versions.get(version);
  if (cached) return cached;
  const p = await Playbook.findOne({ version }).select('version stages note createdAt createdByName').lean();
  if (!p) return null;
  const def = toDef(p);
  versions.set(version, def);
  return def;
}

/** The newest playbook version: the one new journeys start on. */
export async function getCurrentPlaybook(): Promise<PlaybookDef> {
  const latest = await Playbook.findOne({}).sort({ version: -1 }).select('version stages note createdAt createdByName').lean();
  if (latest) {
    const def = toDef(latest);
    versions.set(def.version, def);
    return def;
  }
  await ensureDefaultPlaybook();
  return (await getPlaybookVersion(1))!;
}

/** Every version, newest first (for the editor's history). */
export async function listPlaybookVersions() {
  const rows = await Playbook.find({}).select('version note createdAt createdByName').sort({ version: -1 }).limit(50).lean();
  return rows.map((p) => ({ version: p.version, note: p.note ?? '', createdAt: (p.createdAt ?? new Date(0)).toISOString(), createdByName: p.createdByName ?? 'Kept' }));
}

// ---------------------------------------------------------------------------------------------
// The editor

const KEY = /^[a-z][a-z0-9-]{0,39}$/;

export function slugify(text: string, fallback: string) {
  const slug = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32)
    .replace(/-+$/, '');
  return /^[a-z]/.test(slug) ? slug : `${fallback}${slug ? `-${slug}` : ''}`.slice(0, 40);
}

/** `key`, or `key-2`, `key-3`... trimmed to 40 characters before the suffix (appending then trimming looped forever on a 40-character key). */
function uniqueKey(key: string, taken: (k: string) => boolean) {
  if (!taken(key)) return key;
  for (let n = 2; ; n++) {
    const candidate = `${key.slice(0, 40 - String(n).length - 1)}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}

export type PlaybookCheck = {
  /** Problems that refuse the save, keyed like the form fields. */
  errors: Record<string, string[]>;
  /** The four standards the editor checks: shown next to each criterion, the save still goes through. */
  flags: Record<string, string[]>;
};

/**
 * Reads the editor form: non-terminal stages `stages.N.*` with criteria `stages.N.criteria.M.*`
 * (blank rows ignored), then the terminal stage `terminal.name`. Keys of existing stages and
 * criteria come back in hidden fields so evidence keeps pointing at the right criterion.
 */
export function parsePlaybookForm(values: Record<string, string>): { stages: StageDef[]; note: string; baseVersion: number; check: PlaybookCheck } {
  const errors: Record<string, string[]> = {};
  const flags: Record<string, string[]> = {};
  const add = (into: Record<string, string[]>, key: string, message: string) => (Object.hasOwn(into, key) ? into[key] : (into[key] = [])).push(message);
  const stages: (StageDef & { order: number; shift: number })[] = [];
  const stageKeys = new Set<string>();
  for (let n = 0; n < MAX_STAGES; n++) {
    const p = `stages.${n}`;
    const name = (values[`${p}.name`] ?? '').trim();
    const criteriaRows: { m: number; row: CriterionDef }[] = [];
    for (let m = 0; m < MAX_CRITERIA; m++) {
      const c = `${p}.criteria.${m}`;
      const text = (values[`${c}.text`] ?? '').trim();
      const buyerAction = (values[`${c}.buyerAction`] ?? '').trim();
      if (!text && !buyerAction) continue;
      const evidenceType = (values[`${c}.evidenceType`] ?? '') as EvidenceType | '';
      criteriaRows.push({
        m,
        row: {
          key: values[`${c}.key`] ?? '',
          text,
          required: values[`${c}.required`] === 'on' || values[`${c}.required`] === 'true',
          evidenceType: evidenceType === '' || (EVIDENCE_TYPES as readonly string[]).includes(evidenceType) ? evidenceType : '',
          buyerAction,
        },
      });
    }
    if (!name && criteriaRows.length === 0) continue;
    if (values[`${p}.remove`] === 'on') continue;
    if (name.length < 2 || name.length > 60) add(errors, `${p}.name`, 'Name the stage (2-60 characters).');
    const sla = Number(values[`${p}.slaDays`]);
    if (!Number.isInteger(sla) || sla < 1 || sla > 365) add(errors, `${p}.slaDays`, 'Give the SLA as whole days between 1 and 365.');
    let key = values[`${p}.key`] || slugify(name, 'stage');
    if (!KEY.test(key)) key = slugify(name, 'stage');
    key = uniqueKey(key, (k) => stageKeys.has(k) || k === 'live');
    stageKeys.add(key);
    if (criteriaRows.length === 0) add(errors, `${p}.criteria`, 'A stage needs at least one exit criterion: what must be true, with evidence, before the journey moves on.');
    if (criteriaRows.length > 0 && !criteriaRows.some((c) => c.row.required))
      add(errors, `${p}.criteria`, 'Mark at least one criterion as required, or the gate would let every journey through.');
    const criterionKeys = new Set<string>();
    const criteria = criteriaRows.map(({ m, row }) => {
      const c = `${p}.criteria.${m}`;
      if (row.text.length < 5 || row.text.length > 200) add(errors, `${c}.text`, 'Describe the criterion (5-200 characters).');
      if (!row.buyerAction) add(flags, `${c}.buyerAction`, 'Not buyer-centric: name what the buyer does (e.g. “Signs off the implementation plan”).');
      if (!row.evidenceType) add(flags, `${c}.evidenceType`, 'Not inspectable: name the evidence that proves it.');
      if (!row.required) add(flags, `${c}.required`, 'Optional: the gate will not wait for this criterion.');
      let ckey = KEY.test(row.key) ? row.key : slugify(row.text, 'criterion');
      ckey = uniqueKey(ckey, (k) => criterionKeys.has(k));
      criterionKeys.add(ckey);
      return { ...row, key: ckey };
    });
    const asked = Number(values[`${p}.order`]);
    const order = Number.isFinite(asked) && values[`${p}.order`] !== '' && values[`${p}.order`] !== undefined ? asked : n + 1;
    stages.push({ key, name, slaDays: Number.isInteger(sla) ? sla : null, terminal: false, criteria, order, shift: Math.sign(order - (n + 1)) });
  }
  if (stages.length === 0) add(errors, '', 'The playbook needs at least one stage before “live”.');
  // Stages run in the order of their position numbers. On a tie a stage moved up goes before the one
  // already there and a stage moved down after it (a new stage given position 1 goes first), then the form's order.
  const ordered: StageDef[] = stages
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.order - b.s.order || a.s.shift - b.s.shift || a.i - b.i)
    .map(({ s: { order: _order, shift: _shift, ...stage } }) => stage);
  const terminalName = (values['terminal.name'] ?? 'Live').trim() || 'Live';
  ordered.push({ key: 'live', name: terminalName.slice(0, 60), slaDays: null, terminal: true, criteria: [] });
  const note = (values.note ?? '').trim().slice(0, 300);
  // The version the edit started from: a whole number, else 0 (publishing then reports a conflict).
  const asked = Number(values.baseVersion);
  const baseVersion = Number.isSafeInteger(asked) && asked >= 0 ? asked : 0;
  return { stages: ordered, note, baseVersion, check: { errors, flags } };
}

/** The four-standards check of a stored playbook (flags only), for showing the current version. */
export function flagPlaybook(stages: StageDef[]): Record<string, string[]> {
  const values: Record<string, string> = {};
  stages
    .filter((s) => !s.terminal)
    .forEach((s, n) => {
      values[`stages.${n}.name`] = s.name;
      values[`stages.${n}.key`] = s.key;
      values[`stages.${n}.slaDays`] = String(s.slaDays ?? '');
      s.criteria.forEach((c, m) => {
        values[`stages.${n}.criteria.${m}.key`] = c.key;
        values[`stages.${n}.criteria.${m}.text`] = c.text;
        values[`stages.${n}.criteria.${m}.required`] = c.required ? 'on' : '';
        values[`stages.${n}.criteria.${m}.evidenceType`] = c.evidenceType;
        values[`stages.${n}.criteria.${m}.buyerAction`] = c.buyerAction;
      });
    });
  return parsePlaybookForm(values).check.flags;
}

/**
 * Publishes the edited stages as version baseVersion + 1. Journeys under way keep their version.
 * Two admins publishing from the same base collide on the unique version: the second is told to
 * reload instead of silently overwriting the first.
 */
export async function publishPlaybook({
  user,
  stages,
  note,
  baseVersion,
  now = new Date(),
}: {
  user: SessionUser;
  stages: StageDef[];
  note: string;
  baseVersion: number;
  now?: Date;
}) {
  if (user.role !== 'admin') throw new Response('Only an admin can edit the playbook.', { status: 403 });
  const current = await getCurrentPlaybook();
  if (current.version !== baseVersion) {
    return { ok: false as const, error: `Version ${current.version} was published while you were editing. Reload the editor and apply your changes again.` };
  }
  const version = baseVersion + 1;
  if (!(await insertOnce(Playbook, { version, stages, note: note || undefined, createdById: user.id, createdByName: user.name }))) {
    return { ok: false as const, error: `Another admin published version ${version} a moment ago. Reload the editor and apply your changes again.` };
  }
  await recordAudit({ actorId: user.id, action: 'playbook.published', entityType: 'playbook', entityId: version, data: { stages: stages.map((s) => s.key), note }, now });
  return { ok: true as const, version };
}
