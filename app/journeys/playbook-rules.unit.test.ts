import { describe, expect, it } from 'vitest';
import { choosePlaybookKey, claimedElsewhere, DEFAULT_PLAYBOOK_KEY, playbookKeyOf, servedSegments } from '#app/journeys/playbook-rules';

const SEGMENTS = ['smb', 'mid-market', 'enterprise'];
const standard = { key: DEFAULT_PLAYBOOK_KEY, name: 'Standard onboarding', segments: ['enterprise'] };
const quick = { key: 'smb-quick-start', name: 'SMB quick start', segments: ['smb'] };

describe('choosePlaybookKey (a deal’s segment chooses its playbook at intake)', () => {
  it('gives a segment to the playbook that claims it', () => {
    expect(choosePlaybookKey('smb', [standard, quick])).toBe('smb-quick-start');
    expect(choosePlaybookKey('enterprise', [standard, quick])).toBe(DEFAULT_PLAYBOOK_KEY);
  });

  it('gives a segment no playbook claims to the default playbook', () => {
    expect(choosePlaybookKey('mid-market', [standard, quick])).toBe(DEFAULT_PLAYBOOK_KEY);
    expect(choosePlaybookKey('smb', [])).toBe(DEFAULT_PLAYBOOK_KEY);
  });

  it('keeps the oldest claim when two playbooks claim a segment, whatever else changes', () => {
    const later = { key: 'smb-pilot', name: 'SMB pilot', segments: ['smb', 'mid-market'] };
    expect(choosePlaybookKey('smb', [quick, later])).toBe('smb-quick-start');
    expect(choosePlaybookKey('mid-market', [quick, later])).toBe('smb-pilot');
  });
});

describe('claims for the editor', () => {
  it('names the other playbook that already serves a segment, not the one being edited', () => {
    const claimed = claimedElsewhere([standard, quick], 'smb-quick-start');
    expect(claimed.get('enterprise')?.name).toBe('Standard onboarding');
    expect(claimed.has('smb')).toBe(false);
    expect(claimedElsewhere([standard, quick], null).get('smb')?.key).toBe('smb-quick-start');
  });

  it('shows the default playbook serving every unclaimed segment', () => {
    expect(Object.fromEntries(servedSegments([standard, quick], SEGMENTS))).toEqual({ default: ['mid-market', 'enterprise'], 'smb-quick-start': ['smb'] });
  });

  it('reads a missing key (data from before several playbooks) as the default', () => {
    expect(playbookKeyOf(undefined)).toBe(DEFAULT_PLAYBOOK_KEY);
    expect(playbookKeyOf(null)).toBe(DEFAULT_PLAYBOOK_KEY);
    expect(playbookKeyOf('smb-quick-start')).toBe('smb-quick-start');
  });
});
