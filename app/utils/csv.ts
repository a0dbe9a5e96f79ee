// CSV export of dashboard tables (RFC 4180 quoting, spreadsheet formula injection defused).

export type CsvCell = string | number | boolean | null | undefined;

// A text cell starting with one of these is run as a formula by Excel, LibreOffice and Google
// Sheets (OWASP "CSV injection"); tab and carriage return can hide one.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field. Text that starts like a formula gets a leading apostrophe; fields with a comma,
 * quote or line break are quoted with doubled quotes. Numbers are written as numbers (a negative
 * number cannot start a formula), null/undefined as an empty field.
 */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole CSV document: header row first, CRLF line ends (RFC 4180). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
