import { describe, expect, it } from 'vitest';
import { parsePlaybookForm } from './playbook.server';

describe('parsePlaybookForm', () => {
  it('makes 40-character keys that collide unique instead of looping forever (an admin post froze the server)', () => {
    const key = `k${'x'.repeat(39)}`;
    const criterion = (m: number) => ({
      [`stages.0.criteria.${m}.text`]: `Buyer signs off step ${m}`,
      [`stages.0.criteria.${m}.key`]: key,
      [`stages.0.criteria.${m}.buyerAction`]: 'Signs off',
      [`stages.0.criteria.${m}.evidenceType`]: 'document',
      [`stages.0.criteria.${m}.required`]: 'on',
    });
    const values = { 'stages.0.name': 'Handoff', 'stages.0.key': key, 'stages.0.slaDays': '10', 'stages.0.order': '0', 'stages.1.name': 'Kickoff', 'stages.1.key': key, 'stages.1.slaDays': '10', 'stages.1.order': '1', ...criterion(0), ...criterion(1), ...criterion(2), 'stages.1.criteria.0.text': 'Buyer attends the kickoff', 'stages.1.criteria.0.required': 'on', 'stages.1.criteria.0.evidenceType': 'meeting', 'stages.1.criteria.0.buyerAction': 'Attends' };
    const started = Date.now();
    const { stages } = parsePlaybookForm(values);
    expect(Date.now() - started).toBeLessThan(1000);
    const keys = stages[0].criteria.map((c) => c.key);
    expect(new Set(keys).size).toBe(3);
    for (const k of [...keys, ...stages.map((s) => s.key)]) expect(k).toMatch(/^[a-z][a-z0-9-]{0,39}$/);
    expect(new Set(stages.map((s) => s.key)).size).toBe(stages.length);
  });
});
