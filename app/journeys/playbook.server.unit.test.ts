import { describe, expect, it } from 'vitest';
import { parsePlaybookForm } from '#app/journeys/playbook.server';

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
    const values = {
      'stages.0.name': 'Handoff',
      'stages.0.key': key,
      'stages.0.slaDays': '10',
      'stages.0.order': '0',
      'stages.1.name': 'Kickoff',
      'stages.1.key': key,
      'stages.1.slaDays': '10',
      'stages.1.order': '1',
      ...criterion(0),
      ...criterion(1),
      ...criterion(2),
      'stages.1.criteria.0.text': 'Buyer attends the kickoff',
      'stages.1.criteria.0.required': 'on',
      'stages.1.criteria.0.evidenceType': 'meeting',
      'stages.1.criteria.0.buyerAction': 'Attends',
    };
    const started = Date.now();
    const { stages } = parsePlaybookForm(values);
    expect(Date.now() - started).toBeLessThan(1000);
    const keys = stages[0].criteria.map((c) => c.key);
    expect(new Set(keys).size).toBe(3);
    for (const k of [...keys, ...stages.map((s) => s.key)]) expect(k).toMatch(/^[a-z][a-z0-9-]{0,39}$/);
    expect(new Set(stages.map((s) => s.key)).size).toBe(stages.length);
  });

  it('a stage given the position another holds goes there, and the one that was there moves down', () => {
    const stage = (n: number, name: string, order: string) => ({
      [`stages.${n}.name`]: name,
      [`stages.${n}.slaDays`]: '10',
      [`stages.${n}.order`]: order,
      [`stages.${n}.criteria.0.text`]: `The buyer finished ${name}`,
      [`stages.${n}.criteria.0.required`]: 'on',
    });
    const names = (values: Record<string, string>) => parsePlaybookForm(values).stages.map((s) => s.name);
    // A new stage in the third slot asks for position 1; the others kept their numbers.
    expect(names({ ...stage(0, 'Handoff', '1'), ...stage(1, 'Implementation', '2'), ...stage(2, 'Adoption', '1') })).toEqual(['Adoption', 'Handoff', 'Implementation', 'Live']);
    // Untouched numbers keep the form's order; a stage moved down goes after the one it swapped with.
    expect(names({ ...stage(0, 'Handoff', '1'), ...stage(1, 'Implementation', '2') })).toEqual(['Handoff', 'Implementation', 'Live']);
    expect(names({ ...stage(0, 'Handoff', '2'), ...stage(1, 'Implementation', '2') })).toEqual(['Implementation', 'Handoff', 'Live']);
  });

  it('reads the version the edit started from as a whole number, else 0 (a forged "Infinity" was accepted)', () => {
    const base = (baseVersion: string) => parsePlaybookForm({ baseVersion }).baseVersion;
    expect(base('7')).toBe(7);
    for (const forged of ['Infinity', '1e400', '-3', '2.5', 'x', '']) expect(base(forged)).toBe(0);
  });
});
