// Several playbooks chosen by segment (docs/playbooks.md): intake starts each deal on the playbook
// its segment chooses, versions count per playbook, journeys keep the playbook and version they
// started with, the board filters by playbook, and a database from before is upgraded in place.
import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { Journey } from '#models/journey';
import { Playbook } from '#models/playbook';
import { PlaybookProfile } from '#models/playbook-profile';
import { intakeClosedWonDeal } from '#app/deals/intake.server';
import {
  BoardQuerySchema,
  countJourneysByPlaybookVersion,
  getJourneyDetail,
  listJourneyBoard,
  migrateJourneysToCurrentPlaybook,
  startJourneyForDeal,
} from '#app/journeys/journey.server';
import {
  createPlaybook,
  DEFAULT_PLAYBOOK_STAGES,
  ensureDefaultPlaybook,
  getCurrentPlaybook,
  getPlaybookVersion,
  listPlaybooks,
  publishPlaybook,
  savePlaybookProfile,
  upgradePlaybooks,
} from '#app/journeys/playbook.server';
import { makeAccount, makeDeal, makeUser } from '#test/factories';

const T0 = new Date('2026-03-02T09:00:00.000Z');
const at = (days: number) => new Date(T0.getTime() + days * 86_400_000);

/** A shorter playbook: one kickoff stage, then live. */
const QUICK_STAGES = [
  {
    key: 'kickoff',
    name: 'Kickoff',
    slaDays: 10,
    terminal: false,
    criteria: [{ key: 'kickoff-held', text: 'The kickoff call took place', required: true, evidenceType: 'meeting' as const, buyerAction: 'Joins the kickoff call' }],
  },
  { key: 'live', name: 'Live', slaDays: null, terminal: true, criteria: [] },
];

let made: { key: string; admin: Awaited<ReturnType<typeof makeUser>> } | null = null;
/** The "SMB quick start" playbook (claims smb) with the quick stages as its version 2. */
async function quickStart() {
  if (made) return made;
  await ensureDefaultPlaybook();
  const admin = await makeUser({ role: 'admin' });
  const created = await createPlaybook({ user: admin, input: { name: 'SMB quick start', 'segment.smb': 'on', copyFrom: 'default' }, now: T0 });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  expect(await publishPlaybook({ user: admin, playbookKey: created.key, stages: QUICK_STAGES, note: 'One stage', baseVersion: 1, now: T0 })).toEqual({ ok: true, version: 2 });
  made = { key: created.key, admin };
  return made;
}

function webhookDeal(crmId: string, segment: 'smb' | 'mid-market' | 'enterprise', aeId: string) {
  return {
    source: 'hubspot' as const,
    crmId,
    name: `${crmId} rollout`,
    closedWonAt: T0,
    arr: 12_000,
    currency: 'USD',
    aeId,
    account: { name: `Customer ${crmId}`, domain: `${crmId.toLowerCase()}.example`, segment },
    promises: [],
  };
}

describe('a deal’s segment chooses its playbook at intake', () => {
  it('starts an SMB deal on the SMB playbook and an enterprise deal on the default one', async () => {
    const { key } = await quickStart();
    const rep = await makeUser({ role: 'sales' });
    const smb = await intakeClosedWonDeal({ input: webhookDeal('PB-SMB-1', 'smb', rep.id), now: T0 });
    const enterprise = await intakeClosedWonDeal({ input: webhookDeal('PB-ENT-1', 'enterprise', rep.id), now: T0 });
    const cs = await makeUser({ role: 'cs' });
    const smbJourney = (await getJourneyDetail({ user: cs, journeyId: smb.journeyId!, now: at(1) }))!;
    expect(smbJourney).toMatchObject({ playbookKey: key, playbookName: 'SMB quick start', playbookVersion: 2, stage: 'kickoff' });
    expect(smbJourney.stages.map((s) => s.key)).toEqual(['kickoff', 'live']);
    const entJourney = (await getJourneyDetail({ user: cs, journeyId: enterprise.journeyId!, now: at(1) }))!;
    expect(entJourney).toMatchObject({ playbookKey: 'default', playbookName: 'Standard onboarding', stage: 'handoff' });
    expect(entJourney.stages.map((s) => s.key)).toEqual(DEFAULT_PLAYBOOK_STAGES.map((s) => s.key));
  });

  it('follows a change of segments for new deals only: journeys under way keep their playbook', async () => {
    const { key, admin } = await quickStart();
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ segment: 'mid-market' });
    const before = await startJourneyForDeal({ dealId: (await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 })).id, now: T0 });
    expect(await savePlaybookProfile({ user: admin, key, input: { name: 'SMB quick start', 'segment.smb': 'on', 'segment.mid-market': 'on' }, now: T0 })).toMatchObject({
      ok: true,
    });
    const after = await startJourneyForDeal({ dealId: (await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 })).id, now: T0 });
    expect(await Journey.findById(before.journeyId).select('playbookKey').lean()).toMatchObject({ playbookKey: 'default' });
    expect(await Journey.findById(after.journeyId).select('playbookKey').lean()).toMatchObject({ playbookKey: key });
    await savePlaybookProfile({ user: admin, key, input: { name: 'SMB quick start', 'segment.smb': 'on' }, now: T0 });
  });
});

describe('versions per playbook', () => {
  it('numbers each playbook’s versions on their own; a publish to one leaves the other’s current version', async () => {
    const { key, admin } = await quickStart();
    const standard = await getCurrentPlaybook();
    expect((await getPlaybookVersion(1, key))!.stages.map((s) => s.key)).toEqual(standard.stages.map((s) => s.key));
    expect(await publishPlaybook({ user: admin, playbookKey: key, stages: QUICK_STAGES, note: 'again', baseVersion: 2, now: at(1) })).toEqual({ ok: true, version: 3 });
    expect((await getCurrentPlaybook()).version).toBe(standard.version);
    // A stale base version of this playbook is refused, even though the other playbook has that number.
    expect((await publishPlaybook({ user: admin, playbookKey: key, stages: QUICK_STAGES, note: 'stale', baseVersion: 2, now: at(1) })).ok).toBe(false);
    expect(await Playbook.countDocuments({ playbookKey: key })).toBe(3);
  });

  it('moves journeys between versions of their own playbook only', async () => {
    const { key, admin } = await quickStart();
    const rep = await makeUser({ role: 'sales' });
    const smbAccount = await makeAccount({ segment: 'smb' });
    const stdAccount = await makeAccount({ segment: 'enterprise' });
    const smb = await startJourneyForDeal({ dealId: (await makeDeal({ accountId: smbAccount.id, aeId: rep.id, closedWonAt: T0 })).id, now: T0 });
    const std = await startJourneyForDeal({ dealId: (await makeDeal({ accountId: stdAccount.id, aeId: rep.id, closedWonAt: T0 })).id, now: T0 });
    const smbVersion = (await Journey.findById(smb.journeyId).lean())!.playbookVersion;
    const stdVersion = (await Journey.findById(std.journeyId).lean())!.playbookVersion;
    const next = await publishPlaybook({ user: admin, playbookKey: key, stages: QUICK_STAGES, note: 'more', baseVersion: (await getCurrentPlaybook(key)).version, now: at(2) });
    expect(next.ok).toBe(true);
    expect((await countJourneysByPlaybookVersion(key)).get(smbVersion)).toBeGreaterThanOrEqual(1);
    const result = await migrateJourneysToCurrentPlaybook({ user: admin, playbookKey: key, fromVersion: smbVersion, now: at(2) });
    expect(result.migrated).toBeGreaterThanOrEqual(1);
    expect(await Journey.findById(smb.journeyId).lean()).toMatchObject({ playbookKey: key, playbookVersion: next.ok ? next.version : -1, stage: 'kickoff' });
    expect(await Journey.findById(std.journeyId).lean()).toMatchObject({ playbookKey: 'default', playbookVersion: stdVersion });
  });
});

describe('the editor’s rules for names and segments', () => {
  it('refuses a segment another playbook serves and a name another playbook has, next to the fields', async () => {
    const { admin } = await quickStart();
    const refused = await createPlaybook({ user: admin, input: { name: 'smb QUICK start', 'segment.smb': 'on', copyFrom: 'default' }, now: T0 });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.errors.name?.[0]).toMatch(/already called “SMB quick start”/);
    expect(refused.errors.segments?.[0]).toMatch(/SMB is already served by “SMB quick start”/);
    expect((await listPlaybooks()).map((p) => p.name)).toEqual(['Standard onboarding', 'SMB quick start']);
  });

  it('lets only an admin create or change a playbook', async () => {
    const cs = await makeUser({ role: 'cs' });
    await expect(createPlaybook({ user: cs, input: { name: 'Mine', copyFrom: 'default' } })).rejects.toMatchObject({ status: 403 });
    await expect(savePlaybookProfile({ user: cs, key: 'default', input: { name: 'Mine' } })).rejects.toMatchObject({ status: 403 });
  });
});

describe('the board filters by playbook', () => {
  it('shows the journeys of the chosen playbook with its stages, and says so when the key is unknown', async () => {
    const { key } = await quickStart();
    const admin = await makeUser({ role: 'admin' });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ segment: 'smb', name: 'Board Quick Co' });
    await startJourneyForDeal({ dealId: (await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 })).id, now: T0 });
    const board = await listJourneyBoard({ user: admin, query: BoardQuerySchema.parse({ playbook: key }), now: at(1) });
    expect(board.stages.map((s) => s.key)).toEqual(['kickoff', 'live']);
    expect(board.journeys.map((j) => j.accountName)).toContain('Board Quick Co');
    expect(new Set(board.journeys.map((j) => j.playbook))).toEqual(new Set(['SMB quick start']));
    const standard = await listJourneyBoard({ user: admin, query: BoardQuerySchema.parse({ playbook: 'default', stage: 'kickoff' }), now: at(1) });
    expect(standard.journeys).toEqual([]);
    const unknown = await listJourneyBoard({ user: admin, query: BoardQuerySchema.parse({ playbook: 'no-such-playbook' }), now: at(1) });
    expect(unknown).toMatchObject({ unknownPlaybook: true, journeys: [] });
    // Unfiltered, the columns hold every playbook's stages, the terminal one last.
    const all = await listJourneyBoard({ user: admin, query: BoardQuerySchema.parse({}), now: at(1) });
    expect(all.stages.map((s) => s.key)).toEqual(['handoff', 'implementation', 'kickoff', 'live']);
  });
});

describe('a database from before there were several playbooks', () => {
  it('is upgraded in place: old versions and journeys join the default playbook and the old unique index goes', async () => {
    await Playbook.collection.drop().catch(() => undefined);
    await PlaybookProfile.deleteMany({});
    // As an older Kept left it: versions unique on `version` alone, no playbook keys anywhere.
    await Playbook.collection.createIndex({ version: 1 }, { unique: true, name: 'version_1' });
    await Playbook.collection.insertOne({ version: 1, stages: DEFAULT_PLAYBOOK_STAGES, note: 'old', createdAt: T0 });
    const rep = await makeUser({ role: 'sales' });
    const account = await makeAccount({ segment: 'smb' });
    const deal = await makeDeal({ accountId: account.id, aeId: rep.id, closedWonAt: T0 });
    const { insertedId } = await Journey.collection.insertOne({
      dealId: new Types.ObjectId(deal.id),
      accountId: new Types.ObjectId(account.id),
      aeId: new Types.ObjectId(rep.id),
      segment: 'smb',
      accountName: account.name,
      dealName: 'Old deal',
      closedWonAt: T0,
      playbookVersion: 1,
      stage: 'handoff',
      stageIndex: 0,
      stageEnteredAt: T0,
      stages: [{ key: 'handoff', enteredAt: T0 }],
      evidence: [],
      owners: [],
    });

    expect(await upgradePlaybooks()).toEqual({ upgraded: true });
    expect(await upgradePlaybooks()).toEqual({ upgraded: false });
    expect(await Playbook.findOne({ version: 1 }).lean()).toMatchObject({ playbookKey: 'default' });
    expect(await Journey.findById(insertedId).lean()).toMatchObject({ playbookKey: 'default' });
    expect((await Playbook.collection.indexes()).map((i) => i.name)).not.toContain('version_1');
    expect((await listPlaybooks()).map((p) => [p.key, p.name])).toEqual([['default', 'Standard onboarding']]);
    // Version 1 of a second playbook is now possible.
    const admin = await makeUser({ role: 'admin' });
    const created = await createPlaybook({ user: admin, input: { name: 'After the upgrade', copyFrom: 'default' }, now: T0 });
    expect(created).toMatchObject({ ok: true, key: 'after-the-upgrade' });
    expect(await Playbook.countDocuments({ version: 1 })).toBe(2);
  });
});
