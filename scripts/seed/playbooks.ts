// The demo's second playbook (docs/playbooks.md): "SMB quick start" serves the smb segment, so the
// demo's small customers go live through one short stage while mid-market and enterprise customers
// follow the default playbook ("Standard onboarding"). Made the way an admin makes one, through the
// playbook service: a copy of the default (version 1), then version 2 with its own stages. Written
// once: an admin's later changes stay, and a database where another playbook already claims smb keeps
// its claim (the demo journeys then follow that playbook, as intake would).
import { PlaybookProfile } from '#models/playbook-profile';
import { User } from '#models/user';
import { createPlaybook, DEFAULT_PLAYBOOK_NAME, getCurrentPlaybook, publishPlaybook, type StageDef } from '#app/journeys/playbook.server';

export const SMB_PLAYBOOK_NAME = 'SMB quick start';
/** The key createPlaybook derives from the name. */
export const SMB_PLAYBOOK_KEY = 'smb-quick-start';

/** One stage from handoff to the buyer's first real use, then live: what a small team needs. */
export const SMB_PLAYBOOK_STAGES: StageDef[] = [
  {
    key: 'quick-start',
    name: 'Quick start',
    slaDays: 30,
    terminal: false,
    criteria: [
      { key: 'cs-accepted', text: 'CS accepted the handoff', required: true, evidenceType: 'cs_acceptance', buyerAction: '' },
      {
        key: 'onboarding-session',
        text: 'The buyer’s admin attended the onboarding session',
        required: true,
        evidenceType: 'meeting',
        buyerAction: 'Attends the onboarding session',
      },
      {
        key: 'promises-confirmed',
        text: 'The buyer confirmed the promises recorded in the sale',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: 'Confirms the promises recorded in the sale',
      },
      {
        key: 'first-use-confirmed',
        text: 'The buyer confirmed the team does its daily work in the product',
        required: true,
        evidenceType: 'buyer_confirmation',
        buyerAction: 'Confirms the team does its daily work in the product',
      },
    ],
  },
  { key: 'live', name: 'Live', slaDays: null, terminal: true, criteria: [] },
];

/** Writes the demo's playbooks (the default one's version 1, and SMB quick start) unless they exist. */
export async function seedDemoPlaybooks({ now, log = () => undefined }: { now: Date; log?: (line: string) => void }) {
  await getCurrentPlaybook();
  if (await PlaybookProfile.exists({ key: SMB_PLAYBOOK_KEY })) return { created: false };
  const ada = await User.findOne({ email: 'admin@kept.demo' }).select('email name').lean();
  if (!ada) throw new Error('Seed user admin@kept.demo is missing');
  const admin = { id: String(ada._id), email: ada.email, name: ada.name, role: 'admin' as const };
  const created = await createPlaybook({ user: admin, input: { name: SMB_PLAYBOOK_NAME, 'segment.smb': 'on', copyFrom: 'default' }, now });
  if (!created.ok) {
    log(`  playbooks: ${SMB_PLAYBOOK_NAME} not added (${Object.values(created.errors).flat().join(' ')})`);
    return { created: false };
  }
  const published = await publishPlaybook({
    user: admin,
    playbookKey: created.key,
    stages: SMB_PLAYBOOK_STAGES,
    note: 'One stage for small teams: onboarding session, promises confirmed, first real use',
    baseVersion: 1,
    now,
  });
  if (!published.ok) throw new Error(`${SMB_PLAYBOOK_NAME}: ${published.error}`);
  log(`  playbooks: “${SMB_PLAYBOOK_NAME}” v${published.version} serves smb, “${DEFAULT_PLAYBOOK_NAME}” the other segments`);
  return { created: true };
}
