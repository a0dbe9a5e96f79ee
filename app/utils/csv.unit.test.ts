import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from './csv';
import { tableCsv } from '#app/dashboards/dashboard-table';

/** A minimal RFC 4180 reader, to check that what we write reads back. */
function parseCsv(text: string) {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('CSV export', () => {
  it('defuses cells that a spreadsheet would run as a formula', () => {
    for (const evil of ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1:A2)', '\t=1', '\r=1']) {
      const out = csvField(evil);
      expect(out.replace(/^"/, '')).toMatch(/^'/);
    }
    expect(csvField('=1,2')).toBe(`"'=1,2"`);
    expect(csvField('Acme "Q1"')).toBe('"Acme ""Q1"""');
    expect(csvField('plain')).toBe('plain');
    // Numbers are written as numbers: a negative forecast error is not text and cannot be a formula.
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('any text reads back as written (apart from the defusing apostrophe), one row per line', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 10 }), (cells) => {
        const width = cells[0].length;
        const rows = cells.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
        const back = parseCsv(toCsv(rows[0], rows.slice(1)));
        expect(back).toHaveLength(rows.length);
        back.forEach((r, i) =>
          r.forEach((cell, j) => {
            const original = rows[i][j];
            expect(cell).toBe(/^[=+\-@\t\r]/.test(original) ? `'${original}` : original);
            expect(/^[=+\-@]/.test(cell)).toBe(false);
          }),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('a dashboard table exports its labels, percentages in percent and escaped names', () => {
    const csv = tableCsv({
      id: 'value-by-rep',
      title: 'Value delivered by rep',
      columns: [
        { key: 'group', label: 'Rep', kind: 'text' },
        { key: 'share', label: 'Value delivered %', kind: 'pct' },
        { key: 'answered', label: 'Answered', kind: 'int' },
      ],
      rows: [
        { group: '=cmd|/c calc', share: 0.8125, answered: 16, _href: '/x' },
        { group: 'Sam', share: null, answered: 0 },
      ],
    });
    expect(csv).toBe("Rep,Value delivered %,Answered\r\n'=cmd|/c calc,81.3,16\r\nSam,,0\r\n");
  });
});
