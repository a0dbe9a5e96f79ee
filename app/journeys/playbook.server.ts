import { z } from 'zod';
import { SEGMENTS, type Segment } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Journey } from '#models/journey';
import { Playbook } from '#models/playbook';
import { PlaybookProfile } from '#models/playbook-profile';
import { insertOnce, trusted } from '#app/platform/db.server';
import type { SessionUser } from '#app/auth/session.server';
import { EVIDENCE_TYPES, type EvidenceType } from '#app/journeys/journey-rules';
import { SEGMENT_LABELS } from '#app/utils/format';
import { playbookMessages } from '#app/i18n/messages/playbook';
import {
  choosePlaybookKey,
  claimedElsewhere,
  DEFAULT_PLAYBOOK_KEY,
  MAX_CRITERIA,
  MAX_STAGES,
  playbookKeyOf,
  type CriterionDef,
  type PlaybookClaim,
  type PlaybookDef,
  type StageDef,
} from '#app/journeys/playbook-rules';

export type { CriterionDef, PlaybookDef, StageDef };

// The buyer-facing wording comes from the playbook catalogue, which also has it in every buyer language.
const shipped = playbookMessages.en;

/** The post-sale stages Kept ships with (stages 9-11 of the sales process it grew from). */
export const DEFAULT_PLAYBOOK_STAGES: StageDef[] = [
  {
    key: 'handoff',
    name: shipped['stage.handoff'],
    slaDays: 7,
    terminal: false,
    criteria: [
      { key: 'cs-accepted', text: 'CS accepted the handoff', required: true, evidenceType: 'cs_acceptance', buyerAction: '' },
      {
        key: 'handoff-call',
        text: 'The buyer attended the handoff call with the implementation team',
        required: true,
        evidenceType: 'meeting',
        buyerAction: shipped['action.handoff-call'],
      },
      {
        key: 'kickoff-confirmed',
        text: 'The buyer confirmed the kickoff date and the recorded promises',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: shipped['action.kickoff-confirmed'],
      },
    ],
  },
  {
    key: 'implementation',
    name: shipped['stage.implementation'],
    slaDays: 45,
    terminal: false,
    criteria: [
      {
        key: 'plan-signed-off',
        text: 'The buyer signed off the implementation plan',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: shipped['action.plan-signed-off'],
      },
      {
        key: 'production-ready',
        text: 'The buyer confirmed the solution is ready for production',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: shipped['action.production-ready'],
      },
    ],
  },
  { key: 'live', name: shipped['stage.live'], slaDays: null, terminal: true, criteria: [] },
];

type StoredPlaybook = {
  playbookKey?: string | null;
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
    playbookKey: playbookKeyOf(p.playbookKey),
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

const VERSION_FIELDS = 'playbookKey version stages note createdAt createdByName';

// Versions never change once written, so they are cached for the life of the process.
const versions = new Map<string, PlaybookDef>();
const versionId = (key: string, version: number) => `${key}@${version}`;

/** The name the playbook Kept ships with gets when it is first written. */
export const DEFAULT_PLAYBOOK_NAME = 'Standard onboarding';

/**
 * Brings a database written before there were several playbooks up to date (idempotent, safe to run
 * from several processes at once): versions and journeys without a playbook key get "default"
 * (readers also take a missing key as "default", for a journey an older process writes meanwhile),
 * the unique index on `version` alone is dropped (it would refuse version 1 of a second playbook;
 * the model declares playbook + version instead), and the default playbook gets its profile, last:
 * once it exists the upgrade is done, so later starts skip the scan.
 */
export async function upgradePlaybooks() {
  if (await PlaybookProfile.exists({ key: DEFAULT_PLAYBOOK_KEY })) return { upgraded: false };
  const missing = { playbookKey: trusted({ $exists: false }) };
  await Playbook.updateMany(missing, { $set: { playbookKey: DEFAULT_PLAYBOOK_KEY } });
  await Journey.updateMany(missing, { $set: { playbookKey: DEFAULT_PLAYBOOK_KEY } });
  const indexes = await Playbook.collection.indexes().catch(() => []);
  for (const index of indexes) {
    const fields = Object.keys(index.key ?? {});
    if (index.name && index.unique && fields.length === 1 && fields[0] === 'version') await Playbook.collection.dropIndex(index.name).catch(() => undefined);
  }
  await Playbook.collection.createIndex({ playbookKey: 1, version: 1 }, { unique: true });
  await PlaybookProfile.updateOne({ key: DEFAULT_PLAYBOOK_KEY }, { $setOnInsert: { name: DEFAULT_PLAYBOOK_NAME, segments: [] } }, { upsert: true });
  return { upgraded: true };
}

let upgraded: Promise<unknown> | null = null;

/** upgradePlaybooks once per process (a failure is retried on the next call). */
export async function ensurePlaybooks(): Promise<void> {
  upgraded ??= upgradePlaybooks().catch((error) => {
    upgraded = null;
    throw error;
  });
  await upgraded;
}

/** Writes version 1 of the default playbook if it has none yet; safe to call concurrently. */
export async function ensureDefaultPlaybook() {
  await ensurePlaybooks();
  if (versions.has(versionId(DEFAULT_PLAYBOOK_KEY, 1)) || (await Playbook.exists({ playbookKey: DEFAULT_PLAYBOOK_KEY, version: 1 }))) return;
  await insertOnce(Playbook, { playbookKey: DEFAULT_PLAYBOOK_KEY, version: 1, stages: DEFAULT_PLAYBOOK_STAGES, note: 'Default playbook shipped with Kept', createdByName: 'Kept' });
}

/** One version of a playbook (immutable), or null. `key` absent = the default playbook (journeys from before there were several). */
export async function getPlaybookVersion(version: number, key: string | null | undefined): Promise<PlaybookDef | null> {
  const playbookKey = playbookKeyOf(key);
  const cached = versions.get(versionId(playbookKey, version));
  if (cached) return cached;
  await ensurePlaybooks();
  const p = await Playbook.findOne({ playbookKey, version }).select(VERSION_FIELDS).lean();
  if (!p) return null;
  const def = toDef(p);
  versions.set(versionId(playbookKey, version), def);
  return def;
}

/** The newest version of a playbook (default: the default playbook): the one its new journeys start on. */
export async function getCurrentPlaybook(key?: string | null): Promise<PlaybookDef> {
  const playbookKey = playbookKeyOf(key);
  await ensurePlaybooks();
  const latest = await Playbook.findOne({ playbookKey }).sort({ version: -1 }).select(VERSION_FIELDS).lean();
  if (latest) {
    const def = toDef(latest);
    versions.set(versionId(playbookKey, def.version), def);
    return def;
  }
  if (playbookKey !== DEFAULT_PLAYBOOK_KEY) throw new Error(`playbook ${playbookKey} has no version`);
  await ensureDefaultPlaybook();
  return (await getPlaybookVersion(1, DEFAULT_PLAYBOOK_KEY))!;
}

/** Every version of one playbook, newest first (for the editor's history). */
export async function listPlaybookVersions(key?: string | null) {
  await ensurePlaybooks();
  const rows = await Playbook.find({ playbookKey: playbookKeyOf(key) })
    .select('version note createdAt createdByName')
    .sort({ version: -1 })
    .limit(50)
    .lean();
  return rows.map((p) => ({ version: p.version, note: p.note ?? '', createdAt: (p.createdAt ?? new Date(0)).toISOString(), createdByName: p.createdByName ?? 'Kept' }));
}

export type PlaybookSummary = PlaybookClaim & { isDefault: boolean; createdAt: string };

/** Every playbook (name, claimed segments), the default first, then oldest first: the order the choice rule reads. */
export async function listPlaybooks(): Promise<PlaybookSummary[]> {
  await ensurePlaybooks();
  const read = () => PlaybookProfile.find({}).select('key name segments createdAt').lean();
  let rows = await read();
  if (!rows.some((p) => p.key === DEFAULT_PLAYBOOK_KEY)) {
    // The database lost the default's profile since this process upgraded it (a restore, a test's
    // wipe): upgrade again, so the default playbook is always listed.
    upgraded = null;
    await ensurePlaybooks();
    rows = await read();
  }
  return rows
    .map((p) => ({
      key: p.key,
      name: p.name,
      segments: [...(p.segments ?? [])] as string[],
      isDefault: p.key === DEFAULT_PLAYBOOK_KEY,
      createdAt: (p.createdAt ?? new Date(0)).toISOString(),
    }))
    .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.createdAt.localeCompare(b.createdAt) || (a.key < b.key ? -1 : 1));
}

/** The current version of the playbook a new journey in `segment` starts on (see choosePlaybookKey). */
export async function playbookForSegment(segment: string): Promise<PlaybookDef> {
  return getCurrentPlaybook(choosePlaybookKey(segment, await listPlaybooks()));
}

/** A chooser for batch intake: the playbook of each segment, read once per batch. */
export async function playbookChooser(): Promise<(segment: string) => PlaybookDef> {
  const playbooks = await listPlaybooks();
  const current = new Map<string, PlaybookDef>();
  for (const key of new Set([DEFAULT_PLAYBOOK_KEY, ...playbooks.map((p) => p.key)])) current.set(key, await getCurrentPlaybook(key));
  return (segment) => current.get(choosePlaybookKey(segment, playbooks)) ?? current.get(DEFAULT_PLAYBOOK_KEY)!;
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
 * Publishes the edited stages as version baseVersion + 1 of the playbook. Journeys under way keep
 * their version. Two admins publishing from the same base collide on the unique playbook + version:
 * the second is told to reload instead of silently overwriting the first.
 */
export async function publishPlaybook({
  user,
  playbookKey: key,
  stages,
  note,
  baseVersion,
  now = new Date(),
}: {
  user: SessionUser;
  playbookKey?: string | null;
  stages: StageDef[];
  note: string;
  baseVersion: number;
  now?: Date;
}) {
  if (user.role !== 'admin') throw new Response('Only an admin can edit the playbook.', { status: 403 });
  const playbookKey = playbookKeyOf(key);
  if (!(await PlaybookProfile.exists({ key: playbookKey }))) return { ok: false as const, error: 'That playbook no longer exists. Reload the editor.' };
  const current = await getCurrentPlaybook(playbookKey);
  if (current.version !== baseVersion) {
    return { ok: false as const, error: `Version ${current.version} was published while you were editing. Reload the editor and apply your changes again.` };
  }
  const version = baseVersion + 1;
  if (!(await insertOnce(Playbook, { playbookKey, version, stages, note: note || undefined, createdById: user.id, createdByName: user.name }))) {
    return { ok: false as const, error: `Another admin published version ${version} a moment ago. Reload the editor and apply your changes again.` };
  }
  await recordAudit({
    actorId: user.id,
    action: 'playbook.published',
    entityType: 'playbook',
    entityId: playbookKey === DEFAULT_PLAYBOOK_KEY ? version : `${playbookKey}@${version}`,
    data: { playbookKey, version, stages: stages.map((s) => s.key), note },
    now,
  });
  return { ok: true as const, version };
}

// ---------------------------------------------------------------------------------------------
// Playbooks: create one, rename it, choose its segments

export const PLAYBOOK_NAME_MAX = 60;

const ticked = z.enum(['on', 'true']).optional();
/** One checkbox per segment: `segment.smb`, `segment.mid-market`, ... */
const segmentBoxes = Object.fromEntries(SEGMENTS.map((s) => [`segment.${s}`, ticked])) as Record<`segment.${Segment}`, typeof ticked>;

/** The name and segments form (`name`, a checkbox `segment.<segment>` per segment). */
export const PlaybookProfileSchema = z.object({
  name: z
    .string({ error: 'Name the playbook (2-60 characters).' })
    .trim()
    .min(2, 'Name the playbook (2-60 characters).')
    .max(PLAYBOOK_NAME_MAX, 'Name the playbook (2-60 characters).'),
  ...segmentBoxes,
});
export const CreatePlaybookSchema = PlaybookProfileSchema.extend({ copyFrom: z.string().trim().max(60).default(DEFAULT_PLAYBOOK_KEY) });
/** Moving the journeys of an older version onto the current one cannot be undone: the box must be ticked. */
export const MigrateSchema = z.object({
  fromVersion: z.coerce.number({ error: 'Choose a version to migrate from.' }).int('Choose a version to migrate from.').min(1, 'Choose a version to migrate from.'),
  confirm: z.literal('yes', { error: 'Tick the box to confirm: moved journeys cannot be moved back.' }),
});

const segmentsOf = (input: Record<string, unknown>) => SEGMENTS.filter((s) => input[`segment.${s}`] === 'on' || input[`segment.${s}`] === 'true');

/** Field errors for a name or segments already taken by another playbook (keyed like the form's fields). */
function profileConflicts(playbooks: PlaybookSummary[], key: string | null, name: string, segments: string[]) {
  const errors: Record<string, string[]> = {};
  const sameName = playbooks.find((p) => p.key !== key && p.name.toLowerCase() === name.toLowerCase());
  if (sameName) errors.name = [`Another playbook is already called “${sameName.name}”: choose another name.`];
  const claimed = claimedElsewhere(playbooks, key);
  const taken = segments.filter((s) => claimed.has(s));
  if (taken.length)
    errors.segments = taken.map((s) => `${SEGMENT_LABELS[s as Segment] ?? s} is already served by “${claimed.get(s)!.name}”: untick it there first (a segment has one playbook).`);
  return errors;
}

type ProfileResult = { ok: true; key: string; name: string; segments: string[] } | { ok: false; errors: Record<string, string[]> };

/**
 * A new playbook, its version 1 a copy of the current stages of `copyFrom` (default: the default
 * playbook), so the admin edits from something that works. Version 1 is written before the profile:
 * a crash in between leaves an unlisted version, never a listed playbook without stages.
 */
export async function createPlaybook({ user, input, now = new Date() }: { user: SessionUser; input: z.infer<typeof CreatePlaybookSchema>; now?: Date }): Promise<ProfileResult> {
  if (user.role !== 'admin') throw new Response('Only an admin can edit the playbook.', { status: 403 });
  const playbooks = await listPlaybooks();
  const segments = segmentsOf(input);
  const errors = profileConflicts(playbooks, null, input.name, segments);
  const source = playbooks.find((p) => p.key === input.copyFrom);
  if (!source) errors.copyFrom = ['Choose a playbook to start from.'];
  if (Object.keys(errors).length) return { ok: false, errors };
  const from = await getCurrentPlaybook(source!.key);
  let key = '';
  for (let n = 1; n < 50 && !key; n++) {
    const candidate = n === 1 ? slugify(input.name, 'playbook') : `${slugify(input.name, 'playbook').slice(0, 36)}-${n}`;
    if (await PlaybookProfile.exists({ key: candidate })) continue;
    const note = `Started as a copy of “${source!.name}” v${from.version}`;
    if (await insertOnce(Playbook, { playbookKey: candidate, version: 1, stages: from.stages, note, createdById: user.id, createdByName: user.name })) key = candidate;
  }
  if (!key || !(await insertOnce(PlaybookProfile, { key, name: input.name, segments, createdById: user.id }))) {
    return { ok: false, errors: { '': ['The playbook could not be created: try another name.'] } };
  }
  await recordAudit({ actorId: user.id, action: 'playbook.created', entityType: 'playbook', entityId: key, data: { name: input.name, segments, copyFrom: source!.key }, now });
  return { ok: true, key, name: input.name, segments };
}

/** Renames a playbook and sets the segments it claims. New journeys follow at once; journeys under way keep their playbook. */
export async function savePlaybookProfile({
  user,
  key,
  input,
  now = new Date(),
}: {
  user: SessionUser;
  key: string;
  input: z.infer<typeof PlaybookProfileSchema>;
  now?: Date;
}): Promise<ProfileResult> {
  if (user.role !== 'admin') throw new Response('Only an admin can edit the playbook.', { status: 403 });
  const playbooks = await listPlaybooks();
  const before = playbooks.find((p) => p.key === key);
  if (!before) return { ok: false, errors: { '': ['That playbook no longer exists. Reload the page.'] } };
  const segments = segmentsOf(input);
  const errors = profileConflicts(playbooks, key, input.name, segments);
  if (Object.keys(errors).length) return { ok: false, errors };
  await PlaybookProfile.updateOne({ key }, { $set: { name: input.name, segments } });
  await recordAudit({
    actorId: user.id,
    action: 'playbook.profile_saved',
    entityType: 'playbook',
    entityId: key,
    data: { name: input.name, segments, before: { name: before.name, segments: before.segments } },
    now,
  });
  return { ok: true, key, name: input.name, segments };
}
