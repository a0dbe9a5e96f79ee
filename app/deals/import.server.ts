// CSV import of closed-won deals (HubSpot deal exports, Salesforce opportunity reports, Kept's template).
//
// Memory: the file is streamed from disk through csv-parse in batches of BATCH_SIZE rows; nothing
// holds the whole file. Lookups that would grow with the file are avoided: deals, journeys and
// import-created accounts get _ids derived from their natural keys, so "already imported?" is
// answered by the unique _id on insert (batched insertMany) instead of by reading. What is kept
// in memory is bounded by the accounts that existed before the import and an LRU of recent ones.
// Idempotent on (source, crmId): a re-import inserts nothing new and reports the rows as existing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  MaxPartSizeExceededError,
  unstable_composeUploadHandlers,
  unstable_createFileUploadHandler,
  unstable_createMemoryUploadHandler,
  unstable_parseMultipartFormData,
} from '@remix-run/node';
import { parse } from 'csv-parse';
import { Types } from 'mongoose';
import { z } from 'zod';
import { Account, SEGMENTS, type Segment } from '#models/account';
import { recordAudit } from '#models/audit-event';
import { Contact } from '#models/contact';
import { isLocale, LOCALE_NAMES, LOCALES } from '#app/i18n/locales';
import { Deal, PROMISE_CATEGORIES, type PromiseCategory } from '#models/deal';
import { ImportIssue, ImportJob, IMPORT_SOURCES } from '#models/import-job';
import { Journey } from '#models/journey';
import { User } from '#models/user';
import type { SessionUser } from '#app/auth/session.server';
import { insertIgnoringDuplicates, trusted } from '#app/platform/db.server';
import { getEnv } from '#app/env.server';
import { recorded } from '#app/platform/events.server';
import { claimOnce } from '#app/platform/claims.server';
import { dealWonRow } from '#app/deals/deal-metrics.server';
import { dealIdFor, newDealDoc, type IntakeDeal } from '#app/deals/intake.server';
import { accountIdFor, accountKey, newAccountDoc } from '#app/accounts/accounts.server';
import { buildJourney, bumpJourneyMetricRows, journeyDims, pickCsms } from '#app/journeys/journey.server';
import { openStartedJourneysTasks } from '#app/buyer-tasks/open.server';
import { playbookChooser } from '#app/journeys/playbook.server';
import { CATEGORY_LABELS, CURRENCY_LABELS, plural, SEGMENT_LABELS } from '#app/utils/format';
import { CLOSED_WON_WORDS, codeFor, codesOf, normaliseWord, SEGMENT_SYNONYMS, type ImportCheck } from '#app/deals/import-rules';
import { scheduleSurveysForDeals, type DealForSurveys } from '#app/surveys/surveys.server';
import { calendarDay, closeDateProblem } from '#app/deals/close-date';
import { log, logError } from '#app/utils/log.server';
import { Lru } from '#app/utils/lru';
import { parseMoney } from '#app/utils/money';

export type ImportSource = (typeof IMPORT_SOURCES)[number];

import { IMPORT_MAX_BYTES } from '#app/utils/body-limits.server';

export const MAX_IMPORT_BYTES = IMPORT_MAX_BYTES;
export const MAX_IMPORT_ROWS = 100_000;
export const BATCH_SIZE = 1000;
const PREVIEW_ROWS = 10;
/** Rows read to count what the import will do (the button says it); past this the count is partial. */
export const CHECK_ROWS = 5_000;
const STALE_RUN_MS = 2 * 60_000;
const ACCOUNT_CACHE = 50_000;
const MAX_ISSUES = 100_000;

/**
 * Uploaded files wait here for their import: in the app's own data folder (KEPT_DATA_DIR), not the OS
 * temp folder other programs and instances share; the folder is 0700 and each file 0600.
 */
export const importDir = () => path.resolve(getEnv().KEPT_DATA_DIR, 'imports');
/** Per user: uploads holding a file on disk (not imported yet, or an import to resume). */
export const UPLOAD_QUOTA = { files: 5, bytes: 2 * IMPORT_MAX_BYTES };
/** An upload nobody imports (or resumes) for a day is deleted by the worker (removeStaleUploads). */
export const UNSTARTED_UPLOAD_TTL_MS = 24 * 3600_000;
const MB = 1024 * 1024;
const size = (bytes: number) => (bytes >= MB ? `${Math.round(bytes / MB)} MB` : `${Math.max(1, Math.ceil(bytes / 1024))} KB`);

async function ensureImportDir() {
  const dir = importDir();
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.promises.chmod(dir, 0o700); // made earlier with a looser mode
  return dir;
}

/** Deletes a job's file and records it: the job can no longer run or resume. */
async function removeUploadedFile(job: { _id: Types.ObjectId; filePath: string }, now: Date, set: Record<string, unknown> = {}) {
  await fs.promises.rm(job.filePath, { force: true });
  await ImportJob.updateOne({ _id: job._id }, { $set: { fileRemovedAt: now, ...set } });
}

// Jobs whose file is still on disk.
const HOLDING_FILE = () => ({ status: trusted({ $ne: 'done' as const }), fileRemovedAt: trusted({ $exists: false }) });

// ---------------------------------------------------------------------------------------------
// Fields and header detection

const norm = normaliseWord;
// Kept's template names the allowed values in its headers ("segment (smb | mid-market | enterprise)").
const headerKey = (header: string) => norm(header.replace(/\s*\([^)]*\|[^)]*\)\s*$/, ''));

type FieldDef = { key: string; label: string; required?: boolean; synonyms: string[] };

const PROMISE_FIELDS: FieldDef[] = [1, 2, 3].flatMap((n) => [
  { key: `promise${n}`, label: `Promise ${n}`, synonyms: [`promise${n}`, `promise${n}text`] },
  { key: `promise${n}Criterion`, label: `Promise ${n}: success criterion`, synonyms: [`promise${n}criterion`, `promise${n}successcriterion`] },
  { key: `promise${n}Category`, label: `Promise ${n}: category`, synonyms: [`promise${n}category`] },
]);

/** Kept's fields and the CSV headers recognised for each (HubSpot, Salesforce, Kept template). */
export const IMPORT_FIELDS: FieldDef[] = [
  { key: 'crmId', label: 'CRM id', required: true, synonyms: ['recordid', 'dealid', 'opportunityid', 'crmid', 'id'] },
  { key: 'dealName', label: 'Deal name', required: true, synonyms: ['dealname', 'opportunityname', 'name'] },
  { key: 'stage', label: 'Stage', synonyms: ['dealstage', 'stage', 'opportunitystage', 'stagename'] },
  { key: 'closeDate', label: 'Close date', required: true, synonyms: ['closedate', 'closedwonat', 'closedwondate', 'closedate'] },
  { key: 'amount', label: 'Amount (ARR)', required: true, synonyms: ['amount', 'arr', 'annualrecurringrevenue', 'amountinhomecurrency'] },
  { key: 'currency', label: 'Currency', synonyms: ['currency', 'currencycode', 'dealcurrency', 'opportunitycurrency', 'amountcurrency'] },
  { key: 'owner', label: 'Deal owner (name or email)', synonyms: ['dealowner', 'opportunityowner', 'owner', 'aeemail', 'owneremail', 'accountexecutive'] },
  { key: 'accountName', label: 'Company / account name', required: true, synonyms: ['associatedcompany', 'accountname', 'companyname', 'company'] },
  {
    key: 'accountCrmId',
    label: 'Company / account CRM id',
    synonyms: ['associatedcompanyids', 'associatedcompanyid', 'companyid', 'accountid', 'accountcrmid', 'companycrmid'],
  },
  { key: 'accountDomain', label: 'Company domain', synonyms: ['accountdomain', 'companydomainname', 'domain', 'website', 'accountwebsite', 'associatedcompanydomain'] },
  { key: 'segment', label: 'Segment', synonyms: ['segment', 'customersegment', 'accountsegment'] },
  { key: 'contactName', label: 'Primary contact name', synonyms: ['contactname', 'primarycontactname', 'primarycontact'] },
  { key: 'contactEmail', label: 'Primary contact email', synonyms: ['contactemail', 'primarycontactemail', 'email'] },
  { key: 'language', label: 'Contact language (en, sv)', synonyms: ['language', 'contactlanguage', 'lang', 'locale'] },
  { key: 'grossMarginPct', label: 'Gross margin %', synonyms: ['grossmarginpct', 'grossmargin'] },
  { key: 'cac', label: 'CAC', synonyms: ['cac', 'customeracquisitioncost'] },
  { key: 'referralId', label: 'Kept referral id (a referred deal)', synonyms: ['referralid', 'keptreferralid', 'keptreferral'] },
  ...PROMISE_FIELDS,
];

/** The header row of Kept's own template (downloadable from the import page). */
const withValues = (header: string, values: string) => `${header} (${values})`;
const categoryHeader = (n: number) => withValues(`promise_${n}_category`, codesOf(CATEGORY_LABELS));
export const KEPT_TEMPLATE_HEADERS = [
  'crm_id',
  'deal_name',
  withValues('stage', 'closed won | other stages are skipped'),
  'close_date',
  'arr',
  withValues('currency', `${codesOf(CURRENCY_LABELS)} | any ISO code`),
  'ae_email',
  'account_name',
  'account_domain',
  withValues('segment', codesOf(SEGMENT_LABELS)),
  'contact_name',
  'contact_email',
  withValues('language', LOCALES.join(' | ')),
  'gross_margin_pct',
  'cac',
  'promise_1',
  'promise_1_criterion',
  categoryHeader(1),
  'promise_2',
  'promise_2_criterion',
  categoryHeader(2),
  'promise_3',
  'promise_3_criterion',
  categoryHeader(3),
];

export function keptTemplateCsv() {
  const example = [
    'CRM-1001',
    'Northwind — Finance suite',
    'closed won',
    '2026-01-30',
    '120000',
    'USD',
    'rep@example.com',
    'Northwind Traders',
    'northwind.example',
    'mid-market',
    'Nora Lindqvist',
    'nora@northwind.example',
    'en',
    '72',
    '18000',
    'Cut month-end close from 10 to 4 days',
    'Close done within 4 business days for 3 months',
    'time-savings',
    'Replace three spreadsheets with one ledger',
    'Spreadsheets retired by the controller',
    'adoption',
    '',
    '',
    '',
  ];
  return `${[KEPT_TEMPLATE_HEADERS, example].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** Guesses the export's origin from its headers. */
export function detectSource(headers: string[]): ImportSource | null {
  const h = new Set(headers.map(headerKey));
  if (h.has('crmid') && h.has('dealname')) return 'kept';
  if (h.has('recordid') || h.has('dealstage') || h.has('associatedcompany') || h.has('dealowner')) return 'hubspot';
  if (h.has('opportunityid') || h.has('opportunityname') || h.has('opportunityowner')) return 'salesforce';
  return null;
}

/** Kept field -> the first header that matches one of its synonyms (each header used once). */
export function detectMapping(headers: string[]) {
  const byNorm = new Map<string, string>();
  for (const header of headers) if (!byNorm.has(headerKey(header))) byNorm.set(headerKey(header), header);
  const used = new Set<string>();
  const mapping: Record<string, string> = {};
  for (const field of IMPORT_FIELDS) {
    for (const synonym of field.synonyms) {
      const header = byNorm.get(synonym);
      if (header && !used.has(header)) {
        mapping[field.key] = header;
        used.add(header);
        break;
      }
    }
  }
  return mapping;
}

// ---------------------------------------------------------------------------------------------
// Reading the file

export class ImportFileError extends Error {}

function parserFor(delimiter: string, options: { toLine?: number } = {}) {
  return parse({
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
    max_record_size: 64 * 1024,
    ...(options.toLine ? { to_line: options.toLine } : {}),
  });
}

function csvProblem(error: unknown) {
  const e = error as { code?: string; lines?: number; message?: string };
  return new ImportFileError(`The file is not valid CSV${e.lines ? ` (around line ${e.lines})` : ''}: ${e.message ?? 'unreadable'}.`);
}

/**
 * Checks an uploaded file without loading it: not binary, a header row with at least three columns,
 * at most MAX_IMPORT_ROWS data rows, well-formed CSV throughout. Returns headers, delimiter and row count.
 */
export async function inspectCsv(filePath: string) {
  const handle = await fs.promises.open(filePath, 'r');
  const head = Buffer.alloc(8192);
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  await handle.close();
  if (bytesRead === 0) throw new ImportFileError('The file is empty.');
  const sample = head.subarray(0, bytesRead);
  if (sample.includes(0) || sample.subarray(0, 4).toString('latin1').startsWith('PK\u0003\u0004')) {
    throw new ImportFileError('This is not a CSV file (it looks like a binary or Excel file). Export or save it as CSV and try again.');
  }
  const firstLine = sample.toString('utf8').split(/\r?\n/, 1)[0];
  const delimiter = [',', ';', '\t'].map((d) => ({ d, n: firstLine.split(d).length })).sort((a, b) => b.n - a.n)[0].d;

  let headers: string[] | null = null;
  let rows = 0;
  try {
    for await (const record of fs.createReadStream(filePath).pipe(parserFor(delimiter)) as AsyncIterable<string[]>) {
      if (!headers) {
        headers = record.map((h) => h.trim());
        continue;
      }
      rows++;
      if (rows > MAX_IMPORT_ROWS) throw new ImportFileError(`The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en-US')} rows. Split it into smaller files.`);
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    throw csvProblem(error);
  }
  if (!headers || headers.filter(Boolean).length < 3) throw new ImportFileError('The first row must be a header row naming the columns (at least three).');
  if (rows === 0) throw new ImportFileError('The file has a header row but no data rows.');
  return { headers, delimiter, totalRows: rows };
}

/** Registers an uploaded, inspected file as an import waiting for its mapping to be confirmed. */
export async function createImportJob({ user, file }: { user: SessionUser; file: { path: string; name: string; size: number } }) {
  if (user.role !== 'admin' && user.role !== 'cs') throw new Response('Only CS and admins import deals.', { status: 403 });
  let info;
  try {
    info = await inspectCsv(file.path);
  } catch (error) {
    await fs.promises.rm(file.path, { force: true });
    throw error;
  }
  const detected = detectSource(info.headers);
  const job = await ImportJob.create({
    createdById: user.id,
    createdByName: user.name,
    fileName: file.name.slice(0, 200),
    filePath: file.path,
    fileBytes: file.size,
    delimiter: info.delimiter,
    source: detected ?? 'kept',
    detectedSource: detected ?? undefined,
    headers: info.headers,
    mapping: detectMapping(info.headers),
    totalRows: info.totalRows,
  });
  return String(job._id);
}

// ---------------------------------------------------------------------------------------------
// Rows

export type ImportOptions = { defaultAeId?: string | null; defaultSegment: Segment; dateOrder: 'mdy' | 'dmy'; currency: string };

/** A CSV row read as a deal: the fields a CRM webhook gives, the source is the import's. */
export type RowDeal = Omit<IntakeDeal, 'source'>;
export type RowResult = { ok: true; deal: RowDeal } | { ok: false; kind: 'error' | 'skipped'; crmId?: string; message: string };

type SalesDirectory = { byEmail: Map<string, string>; byName: Map<string, string> };

export async function loadSalesDirectory(): Promise<SalesDirectory> {
  const reps = await User.find({ role: 'sales', active: true }).select('email name').lean();
  return { byEmail: new Map(reps.map((r) => [r.email.toLowerCase(), String(r._id)])), byName: new Map(reps.map((r) => [r.name.trim().toLowerCase(), String(r._id)])) };
}

const CLOSED_WON = new Set(CLOSED_WON_WORDS);
// Any ISO 4217 code the runtime knows (CHF, JPY, ...), beyond the five the forms offer.
const ISO_CURRENCIES = new Set<string>(Intl.supportedValuesOf('currency'));
const oneOf = (labels: Record<string, string>) => {
  const codes = Object.keys(labels);
  return `${codes.slice(0, -1).join(', ')} or ${codes[codes.length - 1]} (or their labels)`;
};
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[A-Za-z]{2,}$/;

/** Parses a close date: ISO (2026-03-14, with or without time), 2026/03/14, or 3/14/2026 / 14/3/2026. */
export function parseCloseDate(value: string, order: 'mdy' | 'dmy', now: Date): Date | string {
  const v = value.trim();
  let y: number, m: number, d: number;
  let match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$/.exec(v);
  if (match) [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  else if ((match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,].*)?$/.exec(v))) {
    const a = Number(match[1]);
    const b = Number(match[2]);
    y = Number(match[3]);
    const dayFirst = a > 12 ? true : b > 12 ? false : order === 'dmy';
    [d, m] = dayFirst ? [a, b] : [b, a];
  } else return `Close date “${v.slice(0, 40)}” is not a date (use 2026-03-14 or 3/14/2026).`;
  const date = calendarDay(y, m, d);
  if (!date) return `Close date “${v.slice(0, 40)}” does not exist.`;
  return closeDateProblem(date, now) ?? date;
}

/** A money cell, or the problem to report ("Amount “45.000” could be 45 or 45,000: ..."). */
function readAmount(text: string, label: string): number | string {
  const read = parseMoney(text);
  return read.ok ? read.value : `${label} ${read.message}`;
}

/** "https://www.Acme.com/about" -> "acme.com"; null when it is not a domain. */
export function normaliseDomain(value: string): string | null {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .split(/[/?#:]/)[0];
  return /^([a-z0-9-]+\.)+[a-z]{2,}$/.test(v) ? v : null;
}

/** One CSV row -> a deal to import, a skipped row (not closed-won) or an error naming the problem. */
export function parseRow(get: (field: string) => string, ctx: { options: ImportOptions; sales: SalesDirectory; now: Date }): RowResult {
  const crmId = get('crmId').slice(0, 200);
  if (!crmId) return { ok: false, kind: 'error', message: 'The CRM id is empty.' };
  const stage = get('stage');
  if (stage && !CLOSED_WON.has(norm(stage))) return { ok: false, kind: 'skipped', crmId, message: `Stage “${stage.slice(0, 60)}” is not closed-won.` };
  const problems: string[] = [];
  const name = get('dealName');
  if (name.length < 2 || name.length > 160) problems.push('The deal name must be 2-160 characters.');
  const closed = parseCloseDate(get('closeDate'), ctx.options.dateOrder, ctx.now);
  if (typeof closed === 'string') problems.push(get('closeDate') ? closed : 'The close date is empty.');
  const arr = get('amount') ? readAmount(get('amount'), 'Amount') : 'The amount is empty.';
  if (typeof arr === 'string') problems.push(arr);
  else if (arr < 0 || arr > 1e10) problems.push('The amount must be between 0 and 10,000,000,000.');
  const currencyCell = get('currency');
  const currency = currencyCell ? (codeFor(currencyCell, CURRENCY_LABELS) ?? currencyCell.toUpperCase()) : ctx.options.currency;
  if (!ISO_CURRENCIES.has(currency)) problems.push(`Currency “${currencyCell.slice(0, 20)}” is unknown: use ${oneOf(CURRENCY_LABELS)}, or another ISO code such as CHF.`);
  const owner = get('owner');
  const ownerEmail = /[^\s<>()]+@[^\s<>()]+/.exec(owner)?.[0]?.toLowerCase();
  const aeId =
    (ownerEmail ? ctx.sales.byEmail.get(ownerEmail) : undefined) ?? (owner ? ctx.sales.byName.get(owner.trim().toLowerCase()) : undefined) ?? ctx.options.defaultAeId ?? null;
  if (!aeId) problems.push(owner ? `No active sales user matches the owner “${owner.slice(0, 60)}” (choose a default rep).` : 'The owner is empty (choose a default rep).');
  const accountName = get('accountName');
  if (accountName.length < 2 || accountName.length > 120) problems.push('The company name must be 2-120 characters.');
  let domain: string | undefined;
  if (get('accountDomain')) {
    domain = normaliseDomain(get('accountDomain')) ?? undefined;
    if (!domain) problems.push(`“${get('accountDomain').slice(0, 60)}” is not a domain such as example.com.`);
  }
  const segment = get('segment') ? (codeFor(get('segment'), SEGMENT_LABELS, SEGMENT_SYNONYMS) as Segment | null) : ctx.options.defaultSegment;
  if (!segment) problems.push(`Segment “${get('segment').slice(0, 30)}” is unknown: use ${oneOf(SEGMENT_LABELS)}.`);
  let contact: RowDeal['contact'];
  const contactEmail = get('contactEmail').toLowerCase();
  if (contactEmail) {
    if (!EMAIL.test(contactEmail) || contactEmail.length > 200) problems.push(`“${contactEmail.slice(0, 60)}” is not an email address.`);
    else contact = { email: contactEmail, name: (get('contactName') || contactEmail).slice(0, 120) };
  }
  // The language the contact reads Kept in (docs/i18n.md): a code, any case.
  const languageCell = get('language').trim();
  if (languageCell) {
    const language = languageCell.toLowerCase();
    if (!isLocale(language)) problems.push(`Language “${languageCell.slice(0, 20)}” is unknown: use ${LOCALES.map((l) => `${l} (${LOCALE_NAMES[l]})`).join(' or ')}.`);
    else if (!contactEmail) problems.push(`The language “${languageCell.slice(0, 20)}” is for the contact: add the contact’s email.`);
    else if (contact) contact.language = language;
  }
  const optionalNumber = (field: string, label: string, max: number) => {
    if (!get(field)) return undefined;
    const n = readAmount(get(field).replace(/\s*%$/, ''), label);
    if (typeof n === 'string' || n < 0 || n > max) {
      problems.push(typeof n === 'string' ? n : `${label} must be a number between 0 and ${max.toLocaleString('en-US')}.`);
      return undefined;
    }
    return n;
  };
  const grossMarginPct = optionalNumber('grossMarginPct', 'Gross margin %', 100);
  const cac = optionalNumber('cac', 'CAC', 1e10);
  const promises: RowDeal['promises'] = [];
  for (const n of [1, 2, 3]) {
    const text = get(`promise${n}`);
    const criterion = get(`promise${n}Criterion`);
    if (!text && !criterion) continue;
    const categoryCell = get(`promise${n}Category`);
    const category = categoryCell ? (codeFor(categoryCell, CATEGORY_LABELS) as PromiseCategory | null) : 'other';
    if (text.length < 5 || text.length > 300) problems.push(`Promise ${n} must be 5-300 characters.`);
    else if (criterion.length < 5 || criterion.length > 300) problems.push(`Promise ${n} needs a success criterion (5-300 characters).`);
    else if (!category || !PROMISE_CATEGORIES.includes(category)) problems.push(`Promise ${n} category “${categoryCell.slice(0, 30)}” is unknown: use ${oneOf(CATEGORY_LABELS)}.`);
    else promises.push({ text, successCriterion: criterion, category });
  }
  // HubSpot exports every associated company, separated by semicolons: the first is the deal's primary.
  const crmAccountId = get('accountCrmId').split(/[;,]/)[0].trim().slice(0, 200) || undefined;
  const referralId = get('referralId').trim().toLowerCase() || undefined;
  if (referralId && !/^[a-f0-9]{24}$/.test(referralId)) problems.push(`“${referralId.slice(0, 40)}” is not a Kept referral id (24 hexadecimal characters).`);
  if (problems.length) return { ok: false, kind: 'error', crmId, message: problems.join(' ') };
  return {
    ok: true,
    deal: {
      crmId,
      ...(crmAccountId ? { crmAccountId } : {}),
      name,
      closedWonAt: closed as Date,
      arr: arr as number,
      currency,
      grossMarginPct,
      cac,
      aeId: aeId!,
      account: { name: accountName, domain, segment: segment! },
      contact,
      promises,
      ...(referralId ? { referralId } : {}),
    },
  };
}

function rowGetter(headers: string[], mapping: Record<string, string>) {
  const index = new Map<string, number>();
  for (const [field, header] of Object.entries(mapping)) {
    const i = headers.indexOf(header);
    if (i >= 0) index.set(field, i);
  }
  return (record: string[]) => (field: string) => {
    const i = index.get(field);
    return i === undefined ? '' : (record[i] ?? '').trim();
  };
}

// ---------------------------------------------------------------------------------------------
// Mapping, options and preview

export const MappingFormSchema = z.object({
  source: z.enum(IMPORT_SOURCES, { error: 'Choose where the file comes from.' }),
  defaultAeId: z
    .union([z.literal(''), z.string().regex(/^[a-f0-9]{24}$/i)])
    .optional()
    .default(''),
  defaultSegment: z.enum(SEGMENTS).catch('mid-market'),
  dateOrder: z.enum(['mdy', 'dmy']).catch('mdy'),
  currency: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, 'Use a three-letter currency code.')
    .catch('USD'),
});

/** Saves the edited mapping (`map.<field>` = header) and options; only before the run starts. */
export async function saveMapping({ user, jobId, values }: { user: SessionUser; jobId: string; values: Record<string, string> }) {
  const job = await getJobDoc(user, jobId);
  if (!job) return null;
  if (job.status === 'running' || job.status === 'done') return { ok: false as const, errors: { '': ['This import has already run.'] } };
  const parsed = MappingFormSchema.safeParse(values);
  if (!parsed.success) return { ok: false as const, errors: { '': parsed.error.issues.map((i) => i.message) } };
  const mapping: Record<string, string> = {};
  const errors: Record<string, string[]> = {};
  for (const field of IMPORT_FIELDS) {
    const header = values[`map.${field.key}`] ?? '';
    if (header && !job.headers.includes(header)) errors[`map.${field.key}`] = ['Choose one of the file’s columns.'];
    else if (header) mapping[field.key] = header;
    else if (field.required) errors[`map.${field.key}`] = [`Choose the column holding the ${field.label.toLowerCase()}.`];
  }
  if (parsed.data.defaultAeId && !(await User.exists({ _id: parsed.data.defaultAeId, role: 'sales', active: true }))) errors.defaultAeId = ['Choose an active sales rep.'];
  await ImportJob.updateOne(
    { _id: job._id },
    {
      $set: {
        mapping,
        source: parsed.data.source,
        options: {
          defaultAeId: parsed.data.defaultAeId || undefined,
          defaultSegment: parsed.data.defaultSegment,
          dateOrder: parsed.data.dateOrder,
          currency: parsed.data.currency,
        },
      },
    },
  );
  return Object.keys(errors).length ? { ok: false as const, errors } : { ok: true as const };
}

function optionsOf(job: { options?: { defaultAeId?: unknown; defaultSegment?: string | null; dateOrder?: string | null; currency?: string | null } | null }): ImportOptions {
  return {
    defaultAeId: job.options?.defaultAeId ? String(job.options.defaultAeId) : null,
    defaultSegment: (job.options?.defaultSegment ?? 'mid-market') as Segment,
    dateOrder: (job.options?.dateOrder ?? 'mdy') as 'mdy' | 'dmy',
    currency: job.options?.currency ?? 'USD',
  };
}

async function getJobDoc(user: SessionUser, jobId: string) {
  if (user.role !== 'admin' && user.role !== 'cs') throw new Response('Only CS and admins import deals.', { status: 403 });
  if (!/^[a-f0-9]{24}$/i.test(jobId)) return null;
  return ImportJob.findById(jobId).lean();
}

/** The import page: the job, its mapping, and the first rows as they will be read. */
export async function getImportView({ user, jobId, now = new Date() }: { user: SessionUser; jobId: string; now?: Date }) {
  const job = await getJobDoc(user, jobId);
  if (!job) return null;
  const mapping = (job.mapping ?? {}) as Record<string, string>;
  let preview: { row: number; values: Record<string, string>; result: { ok: boolean; kind?: string; message?: string } }[] = [];
  // What the import will do, row by row as the run will read them (without the database): the start
  // button says it ("Import 1 row; 2 rows have errors; 1 is not closed-won").
  let check: ImportCheck | null = null;
  if ((job.status === 'uploaded' || job.status === 'failed') && !job.fileRemovedAt) {
    const sales = await loadSalesDirectory();
    const get = rowGetter(job.headers, mapping);
    const options = optionsOf(job);
    const counts: ImportCheck = { ok: 0, errors: 0, skipped: 0, checked: 0, total: job.totalRows };
    let row = 0;
    try {
      for await (const record of fs.createReadStream(job.filePath).pipe(parserFor(job.delimiter ?? ',', { toLine: CHECK_ROWS + 1 })) as AsyncIterable<string[]>) {
        if (row++ === 0) continue;
        const g = get(record);
        const result = parseRow(g, { options, sales, now });
        counts.checked++;
        if (result.ok) counts.ok++;
        else if (result.kind === 'skipped') counts.skipped++;
        else counts.errors++;
        if (preview.length < PREVIEW_ROWS) {
          preview.push({
            row: row - 1,
            values: Object.fromEntries(IMPORT_FIELDS.filter((f) => mapping[f.key]).map((f) => [f.key, g(f.key)])),
            result: result.ok ? { ok: true } : { ok: false, kind: result.kind, message: result.message },
          });
        }
      }
      check = counts;
    } catch {
      preview = [];
    }
  }
  const stale = job.status === 'running' && (!job.heartbeatAt || now.getTime() - job.heartbeatAt.getTime() > STALE_RUN_MS);
  return {
    id: String(job._id),
    fileName: job.fileName,
    fileBytes: job.fileBytes,
    source: job.source,
    detectedSource: job.detectedSource ?? null,
    headers: job.headers,
    mapping,
    options: { ...optionsOf(job), defaultAeId: optionsOf(job).defaultAeId ?? '' },
    status: job.status,
    fileRemoved: Boolean(job.fileRemovedAt),
    stale,
    totalRows: job.totalRows,
    processedRows: job.processedRows,
    counts: { created: job.created, existing: job.existing, skipped: job.skipped, failed: job.failed },
    error: job.error ?? null,
    createdByName: job.createdByName,
    createdAt: job.createdAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    fields: IMPORT_FIELDS.map((f) => ({ key: f.key, label: f.label, required: Boolean(f.required) })),
    preview,
    check,
  };
}

/** Recent imports for the upload page. */
export async function listImportJobs({ user }: { user: SessionUser }) {
  if (user.role !== 'admin' && user.role !== 'cs') throw new Response('Only CS and admins import deals.', { status: 403 });
  const jobs = await ImportJob.find({})
    .select('fileName source status totalRows processedRows created existing skipped failed createdByName createdAt')
    .sort({ createdAt: -1 })
    .limit(20)
    .lean();
  return jobs.map((j) => ({
    id: String(j._id),
    fileName: j.fileName,
    source: j.source,
    status: j.status,
    totalRows: j.totalRows,
    processedRows: j.processedRows,
    counts: { created: j.created, existing: j.existing, skipped: j.skipped, failed: j.failed },
    createdByName: j.createdByName,
    createdAt: j.createdAt?.toISOString() ?? null,
  }));
}

// ---------------------------------------------------------------------------------------------
// Running

/**
 * Starts (or resumes) the run: claims attempt n+1 of the job (unique insert), so a double click or
 * two tabs start one run. Returns the attempt to pass to runImport, or an error to show.
 */
export async function startImport({ user, jobId, now = new Date() }: { user: SessionUser; jobId: string; now?: Date }) {
  const job = await getJobDoc(user, jobId);
  if (!job) return null;
  const stale = job.status === 'running' && (!job.heartbeatAt || now.getTime() - job.heartbeatAt.getTime() > STALE_RUN_MS);
  if (job.status === 'done') return { ok: false as const, message: 'This import has already finished.' };
  if (job.fileRemovedAt) return { ok: false as const, message: 'The uploaded file has been removed. Upload it again to import it.' };
  if (job.status === 'running' && !stale) return { ok: false as const, message: 'This import is already running.' };
  const mapping = (job.mapping ?? {}) as Record<string, string>;
  const missing = IMPORT_FIELDS.filter((f) => f.required && !mapping[f.key]).map((f) => f.label);
  if (missing.length) return { ok: false as const, message: `Map these columns first: ${missing.join(', ')}.` };
  const attempt = (job.attempt ?? 0) + 1;
  if (!(await claimOnce({ key: `import:${jobId}:run:${attempt}`, owner: user.id, now }))) return { ok: false as const, message: 'This import was just started.' };
  await ImportJob.updateOne({ _id: job._id }, { $set: { status: 'running', attempt, heartbeatAt: now, ...(job.startedAt ? {} : { startedAt: now }) }, $unset: { error: 1 } });
  return { ok: true as const, attempt };
}

type AccountInfo = {
  id: Types.ObjectId;
  name: string;
  segment: Segment;
  csmId: string | null;
  aeIds: Set<string>;
  hasPrimary: boolean;
  /**
   * Who owes the buyer tasks of its new journeys (a journey just started has no plan link): its
   * primary contact; none for an account this run made that has no contact yet; undefined when the
   * run does not know (those journeys' tasks open one by one).
   */
  taskOwnerIds?: Types.ObjectId[];
};

/** What the run keeps of an account it found (primaryId: its primary contact, when the run knows whether it has one). */
function accountInfo(a: { _id: Types.ObjectId; name: string; segment: string; csmId?: unknown; aeIds: unknown[] }, primaryId: Types.ObjectId | null | undefined): AccountInfo {
  return {
    id: a._id,
    name: a.name,
    segment: a.segment as Segment,
    csmId: a.csmId ? String(a.csmId) : null,
    aeIds: new Set(a.aeIds.map(String)),
    hasPrimary: primaryId !== null,
    taskOwnerIds: primaryId ? [primaryId] : undefined,
  };
}

/**
 * Streams the job's file and imports it batch by batch, resuming after the rows already done.
 * Only the runner of the current attempt writes; an older runner stops at its next batch.
 */
export async function runImport({ jobId, attempt, now: fixedNow }: { jobId: string; attempt: number; now?: Date }) {
  const clock = () => fixedNow ?? new Date();
  const job = await ImportJob.findById(jobId).lean();
  if (!job || job.attempt !== attempt) return { outcome: 'stopped' as const, counts: null };
  const mapping = (job.mapping ?? {}) as Record<string, string>;
  const options = optionsOf(job);
  const source = job.source as ImportSource;
  const [sales, playbookOf] = await Promise.all([loadSalesDirectory(), playbookChooser()]);
  const get = rowGetter(job.headers, mapping);

  // Accounts that existed before this run, by domain and by name; those this run creates have
  // derived _ids and are found again by _id (or in the LRU).
  const existingByKey = new Map<string, AccountInfo>();
  const primaries = new Map<string, Types.ObjectId>();
  for await (const c of Contact.find({ isPrimary: true }).select('_id accountId').lean().cursor()) primaries.set(String(c.accountId), c._id);
  for await (const a of Account.find({}).select('name nameLower domain segment csmId aeIds').lean().cursor()) {
    const info = accountInfo(a, primaries.get(String(a._id)) ?? null);
    for (const key of [...(a.domain ? [accountKey(a)] : []), accountKey({ name: a.nameLower })]) if (!existingByKey.has(key)) existingByKey.set(key, info);
  }
  primaries.clear();
  // Accounts touched by this run: bounded, unlike the file.
  const recent = new Lru<AccountInfo>(ACCOUNT_CACHE);

  const counts = { processedRows: job.processedRows, created: job.created, existing: job.existing, skipped: job.skipped, failed: job.failed };
  let issuesStored = await ImportIssue.countDocuments({ jobId: job._id });
  let batch: { row: number; record: string[] }[] = [];
  // A resumed run first redoes the batch an earlier attempt died in (progress is saved per batch):
  // deals and journeys that attempt already inserted are this import's, though they now collide.
  let redoing = attempt > 1;

  const flush = async () => {
    const now = clock();
    const rows = batch;
    batch = [];
    const issues: { jobId: Types.ObjectId; row: number; kind: 'error' | 'skipped'; crmId?: string; message: string }[] = [];
    const good: { row: number; deal: RowDeal }[] = [];
    for (const { row, record } of rows) {
      const result = parseRow(get(record), { options, sales, now });
      if (result.ok) good.push({ row, deal: result.deal });
      else {
        issues.push({ jobId: job._id, row, kind: result.kind, crmId: result.crmId, message: result.message });
        if (result.kind === 'skipped') counts.skipped++;
        else counts.failed++;
      }
    }

    // 1. Accounts: known ones from memory; the rest are inserted with ids derived from their key
    // (a duplicate means an earlier batch or import made it: then it is read by _id, the fast lookup).
    const resolved = new Map<string, AccountInfo>();
    const derived = new Map<string, RowDeal>();
    for (const { deal } of good) {
      const key = accountKey(deal.account);
      if (resolved.has(key) || derived.has(key)) continue;
      const known = existingByKey.get(key) ?? recent.get(key);
      if (known) resolved.set(key, known);
      else derived.set(key, deal);
    }
    // CSMs: the account's, else round-robin (one turn claim per batch).
    const nextCsm = await pickCsms({ count: derived.size + [...resolved.values()].filter((a) => !a.csmId).length, now });
    if (derived.size) {
      const entries = [...derived.entries()].map(([key, deal]) => ({
        key,
        info: {
          id: accountIdFor(deal.account),
          name: deal.account.name,
          segment: deal.account.segment,
          csmId: nextCsm(),
          aeIds: new Set([deal.aeId]),
          hasPrimary: false,
          taskOwnerIds: [],
        } as AccountInfo,
        deal,
      }));
      const inserted = await insertIgnoringDuplicates(
        Account,
        entries.map(({ info, deal }) => ({
          _id: info.id,
          ...newAccountDoc({ ...deal.account, csmId: info.csmId ? new Types.ObjectId(info.csmId) : null, aeIds: [...info.aeIds].map((id) => new Types.ObjectId(id)), now }),
        })),
      );
      for (const [i, { key, info }] of entries.entries()) {
        if (inserted.has(i)) {
          resolved.set(key, info);
          continue;
        }
        const a = await Account.findById(info.id).select('name segment csmId aeIds').lean();
        if (!a) throw new Error(`account ${key} vanished during the import`);
        resolved.set(key, accountInfo(a, undefined));
      }
    }
    for (const info of resolved.values()) {
      if (!info.csmId) {
        info.csmId = nextCsm();
        if (info.csmId) await Account.updateOne({ _id: info.id }, { $set: { csmId: info.csmId } });
      }
    }
    // Reps with a deal on the account (sales scoping): only when new for the account.
    const newReps = new Map<string, Set<string>>();
    for (const { deal } of good) {
      const info = resolved.get(accountKey(deal.account))!;
      if (!info.aeIds.has(deal.aeId)) {
        info.aeIds.add(deal.aeId);
        const set = newReps.get(String(info.id)) ?? new Set<string>();
        set.add(deal.aeId);
        newReps.set(String(info.id), set);
      }
    }
    for (const [accountId, reps] of newReps) await Account.updateOne({ _id: accountId }, { $addToSet: { aeIds: trusted({ $each: [...reps] }) } });
    for (const [key, info] of resolved) if (!existingByKey.has(key)) recent.set(key, info);

    // 2. Contacts (unique per account and email: duplicates are contacts we already have).
    const newPrimaries = new Map<number, AccountInfo>();
    const contacts = good
      .filter((g) => g.deal.contact)
      .map((g, i) => {
        const info = resolved.get(accountKey(g.deal.account))!;
        const isPrimary = !info.hasPrimary;
        info.hasPrimary = true;
        if (isPrimary) newPrimaries.set(i, info);
        const { name, email, language } = g.deal.contact!;
        return { _id: new Types.ObjectId(), accountId: info.id, name, email, ...(language ? { language } : {}), isPrimary, emailStatus: 'ok', createdAt: now, updatedAt: now };
      });

    // 3. Deals, with _ids derived from (source, crmId): a duplicate is a deal imported before.
    const dealDocs = good.map(({ deal }) => ({
      _id: dealIdFor(source, deal.crmId),
      ...newDealDoc(deal, { source, accountId: resolved.get(accountKey(deal.account))!.id, aeId: new Types.ObjectId(deal.aeId), createdBy: job.createdById, now }),
    }));
    // Contacts and deals do not depend on each other: written side by side.
    const [newContacts, newDeals] = await Promise.all([insertIgnoringDuplicates(Contact, contacts), insertIgnoringDuplicates(Deal, dealDocs)]);
    // A primary contact stored now owes its account's new buyer tasks; one refused (the address was
    // already a contact of the account) leaves the owner to openStageTasks.
    for (const [i, info] of newPrimaries) info.taskOwnerIds = newContacts.has(i) ? [contacts[i]._id] : undefined;
    // A language column is the file's latest word on a contact we already had, too (docs/i18n.md).
    const languages = contacts.filter((c) => c.language);
    if (languages.length) {
      await Contact.bulkWrite(languages.map((c) => ({ updateOne: { filter: { accountId: c.accountId, email: c.email }, update: { $set: { language: c.language } } } })));
    }
    const startedAt = job.startedAt ?? new Date(0);
    const redone = redoing;
    redoing = false;
    if (redone) {
      // One query for the batch (1,000 lookups by _id took a minute on a busy FerretDB).
      const collided = dealDocs.filter((_, i) => !newDeals.has(i)).map((d) => d._id);
      const found = collided.length
        ? await Deal.find({ _id: trusted({ $in: collided }) })
            .select('createdBy createdAt')
            .lean()
        : [];
      const ours = new Set(found.filter((d) => String(d.createdBy) === String(job.createdById) && d.createdAt >= startedAt).map((d) => String(d._id)));
      for (const [i, d] of dealDocs.entries()) if (ours.has(String(d._id))) newDeals.add(i);
    }
    // Rollup slots named after the job and batch: a redone batch cannot count a deal twice.
    const slot = (what: string) => `import-${jobId}-${rows[0].row}-${what}`;
    counts.created += newDeals.size;
    counts.existing += dealDocs.length - newDeals.size;
    // The money rollups of the new deals (profitability dashboards): one inserted slot per key for the batch.
    await bumpJourneyMetricRows(
      dealDocs.flatMap((d, i) => (newDeals.has(i) ? [dealWonRow(d, resolved.get(accountKey(good[i].deal.account))!.segment)] : [])),
      { slot: slot('deals') },
    );
    // Referred deals, for the areas that react to them (advocacy links each back to its referral).
    for (const [i, g] of good.entries()) if (g.deal.referralId) await recorded('deal.referred', { dealId: dealDocs[i]._id, referralId: g.deal.referralId, via: 'import', now });
    // New deals only (a row imported before is not a new closed-won), for outgoing webhooks and Slack.
    for (const i of newDeals) await recorded('deal.closed_won', { dealId: dealDocs[i]._id, now });

    // 4. Journeys for every deal of the batch (existing journeys collide on their derived _id).
    const journeyDocs = dealDocs.map((d, i) => {
      const info = resolved.get(accountKey(good[i].deal.account))!;
      return buildJourney({ deal: d, account: { name: info.name, segment: info.segment }, csmId: info.csmId, playbook: playbookOf(info.segment), now });
    });
    const newJourneys = await insertIgnoringDuplicates(Journey, journeyDocs);
    if (redone) {
      const collided = journeyDocs.filter((_, i) => !newJourneys.has(i) && newDeals.has(i)).map((j) => j._id);
      const found = collided.length
        ? await Journey.find({ _id: trusted({ $in: collided }) })
            .select('createdAt')
            .lean()
        : [];
      const ours = new Set(found.filter((j) => j.createdAt >= startedAt).map((j) => String(j._id)));
      for (const [i, j] of journeyDocs.entries()) if (ours.has(String(j._id))) newJourneys.add(i);
    }
    // 5. The first stage's buyer tasks of the journeys this batch started, in one insert (a redone
    // batch opens none twice). A failure is logged; the worker's sweep opens them.
    try {
      await openStartedJourneysTasks({
        started: journeyDocs.flatMap((journey, i) => (newJourneys.has(i) ? [{ journey, ownerIds: resolved.get(accountKey(good[i].deal.account))!.taskOwnerIds ?? null }] : [])),
        now,
      });
    } catch (error) {
      logError(error, { where: 'runImport.openBuyerTasks', jobId });
    }
    // 6. The deals' value-delivery surveys, at once and judged by this batch's time (idempotent:
    // a redone batch or the worker's sweep creates no second wave). A failure is logged; the
    // sweep schedules them later.
    try {
      await scheduleSurveysForDeals({ deals: dealDocs as DealForSurveys[], now });
    } catch (error) {
      logError(error, { where: 'runImport.scheduleSurveys', jobId });
    }
    const started = journeyDocs.filter((_, i) => newJourneys.has(i));
    if (started.length) {
      // One audit event for the whole import (import.completed), not one per journey: 100k rows stay affordable.
      await bumpJourneyMetricRows(
        started.map((j) => ({ kind: 'journey.started' as const, dims: journeyDims(j), counts: { n: 1 } })),
        { slot: slot('journeys') },
      );
    }

    if (issues.length && issuesStored < MAX_ISSUES) {
      const kept = issues.slice(0, MAX_ISSUES - issuesStored);
      await ImportIssue.insertMany(kept, { ordered: false });
      issuesStored += kept.length;
    }
    counts.processedRows = rows[rows.length - 1].row;
    const current = await ImportJob.findById(job._id).select('attempt').lean();
    if (current?.attempt !== attempt) throw new StoppedError();
    await ImportJob.updateOne({ _id: job._id }, { $set: { ...counts, heartbeatAt: clock() } });
  };

  try {
    let row = 0;
    for await (const record of fs.createReadStream(job.filePath).pipe(parserFor(job.delimiter ?? ',')) as AsyncIterable<string[]>) {
      if (row++ === 0) continue; // header
      const dataRow = row - 1;
      if (dataRow <= counts.processedRows) continue; // done by an earlier attempt
      batch.push({ row: dataRow, record });
      if (batch.length >= BATCH_SIZE) await flush();
    }
    if (batch.length) await flush();
  } catch (error) {
    if (error instanceof StoppedError) return { outcome: 'stopped' as const, counts };
    const errorId = logError(error, { where: 'runImport', jobId });
    const message =
      error instanceof ImportFileError
        ? error.message
        : (error as { code?: string }).code?.startsWith('CSV_')
          ? csvProblem(error).message
          : `The import stopped unexpectedly (error ${errorId}). Resume it to continue where it stopped.`;
    await ImportJob.updateOne({ _id: job._id, attempt }, { $set: { status: 'failed', error: message, ...counts } });
    // A file Kept cannot read ends the import: a resume would fail the same way. (After any other
    // failure the file stays for a resume; the worker deletes it after a day without one.)
    const unusable = error instanceof ImportFileError || (error as { code?: string }).code?.startsWith('CSV_') || (error as { code?: string }).code === 'ENOENT';
    if (unusable) await removeUploadedFile(job, clock(), { error: `${message} Upload a corrected file to import it.` });
    return { outcome: 'failed' as const, counts };
  }
  const finishedAt = clock();
  await ImportJob.updateOne({ _id: job._id, attempt }, { $set: { status: 'done', finishedAt, heartbeatAt: finishedAt, ...counts } });
  await removeUploadedFile(job, finishedAt);
  await recordAudit({
    actorId: job.createdById,
    action: 'import.completed',
    entityType: 'import',
    entityId: job._id,
    data: { source, file: job.fileName, ...counts },
    now: finishedAt,
  });
  log('info', 'CSV import finished', { jobId, ...counts });
  return { outcome: 'done' as const, counts };
}

class StoppedError extends Error {}

/** Starts a run in the background of this process (the page polls the progress). */
export function runImportInBackground(input: { jobId: string; attempt: number }) {
  void runImport(input).catch((error) => logError(error, { where: 'runImportInBackground', jobId: input.jobId }));
}

// ---------------------------------------------------------------------------------------------
// The per-row report

/** A CSV cell, quoted when needed; cells starting like a formula are neutralised for spreadsheets. */
export function csvCell(value: string | number | null | undefined) {
  let v = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(v)) v = `'${v}`;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** The job's row errors and skipped rows as CSV, streamed from the database. */
export async function issuesCsvStream({ user, jobId }: { user: SessionUser; jobId: string }) {
  const job = await getJobDoc(user, jobId);
  if (!job) return null;
  const cursor = ImportIssue.find({ jobId: job._id }).select('row kind crmId message').sort({ row: 1 }).lean().cursor();
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('row,result,crm_id,message\r\n'));
    },
    async pull(controller) {
      const issue = await cursor.next();
      if (!issue) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`${[issue.row, issue.kind, issue.crmId ?? '', issue.message].map(csvCell).join(',')}\r\n`));
    },
    async cancel() {
      await cursor.close();
    },
  });
  return {
    stream,
    fileName: `${
      job.fileName
        .replace(/\.[^.]+$/, '')
        .replace(/[^\w.-]+/g, '_')
        .slice(0, 80) || 'import'
    }-issues.csv`,
  };
}

const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/plain', 'application/vnd.ms-excel', 'text/comma-separated-values', 'application/octet-stream', '']);

/**
 * Receives the multipart upload: the file streams to disk (never into memory), anything over
 * MAX_IMPORT_BYTES is cut off and refused, then the file is inspected and becomes an import job.
 */
export async function receiveUpload({
  user,
  request,
  maxBytes = MAX_IMPORT_BYTES,
  quota = UPLOAD_QUOTA,
}: {
  user: SessionUser;
  request: Request;
  maxBytes?: number;
  quota?: typeof UPLOAD_QUOTA;
}): Promise<{ ok: true; jobId: string } | { ok: false; error: string }> {
  if (!/^multipart\/form-data/i.test(request.headers.get('Content-Type') ?? '')) return { ok: false, error: 'Choose a CSV file to upload.' };
  const pending = await ImportJob.find({ createdById: user.id, ...HOLDING_FILE() })
    .select('fileBytes')
    .lean();
  const pendingBytes = pending.reduce((sum, j) => sum + (j.fileBytes ?? 0), 0);
  const quotaLeft = quota.bytes - pendingBytes;
  const advice = 'Import those first (listed under Recent imports), or wait: an upload not imported within a day is removed.';
  if (pending.length >= quota.files || quotaLeft < 1) {
    const files = plural(pending.length, 'uploaded file');
    return {
      ok: false,
      error: `You already have ${files} waiting to be imported (${size(pendingBytes)}), the most one person may keep: ${quota.files} files or ${size(quota.bytes)}. ${advice}`,
    };
  }
  const dir = await ensureImportDir();
  const target = path.join(dir, `${crypto.randomBytes(12).toString('hex')}.csv`);
  const partLimit = Math.min(maxBytes, quotaLeft);
  let formData: FormData;
  let originalName = '';
  let contentType = '';
  try {
    formData = await unstable_parseMultipartFormData(
      request,
      unstable_composeUploadHandlers(
        unstable_createFileUploadHandler({
          directory: path.dirname(target),
          file: ({ filename, contentType: type }) => {
            // The file is stored under a random name; the user's name is only shown.
            originalName = filename;
            contentType = type;
            return path.basename(target);
          },
          maxPartSize: partLimit,
          avoidFileConflicts: false,
          filter: ({ name }) => name === 'file',
        }),
        unstable_createMemoryUploadHandler({ maxPartSize: 10_000 }),
      ),
    );
  } catch (error) {
    await fs.promises.rm(target, { force: true });
    if (error instanceof MaxPartSizeExceededError && partLimit < maxBytes) {
      return {
        ok: false,
        error: `This file does not fit in your upload space: ${size(quotaLeft)} of ${size(quota.bytes)} left, with ${plural(pending.length, 'uploaded file')} waiting to be imported. ${advice}`,
      };
    }
    if (error instanceof MaxPartSizeExceededError) return { ok: false, error: `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB. Split it into smaller files.` };
    return { ok: false, error: 'The upload could not be read. Try again.' };
  }
  const file = formData.get('file');
  if (!file || typeof file === 'string' || file.size === 0) {
    await fs.promises.rm(target, { force: true });
    return { ok: false, error: 'Choose a CSV file to upload (it was empty or missing).' };
  }
  if (!/\.(csv|txt)$/i.test(originalName) || !CSV_TYPES.has(contentType)) {
    await fs.promises.rm(target, { force: true });
    return { ok: false, error: 'Only CSV files can be imported. Export the report as CSV (not Excel) and try again.' };
  }
  // Owner-only: the upload handler creates files with the process umask (usually 0644).
  await fs.promises.chmod(target, 0o600);
  try {
    return { ok: true, jobId: await createImportJob({ user, file: { path: target, name: path.basename(originalName), size: file.size } }) };
  } catch (error) {
    if (error instanceof ImportFileError) return { ok: false, error: error.message };
    throw error;
  }
}

/**
 * The worker's sweep: deletes the file of every upload nobody imported, resumed or edited for
 * UNSTARTED_UPLOAD_TTL_MS (the job stays, marked failed, saying so), and files in the upload
 * folder that no job holds any more (an upload cut off by a crash) once as old.
 */
export async function removeStaleUploads({ now }: { now: Date }) {
  const before = new Date(now.getTime() - UNSTARTED_UPLOAD_TTL_MS);
  const stale = await ImportJob.find({ ...HOLDING_FILE(), updatedAt: trusted({ $lt: before }) })
    .select('filePath')
    .lean();
  for (const job of stale) {
    await removeUploadedFile(job, now, { status: 'failed', error: 'Not imported within a day, so the uploaded file was removed. Upload it again to import it.' });
  }
  let orphans = 0;
  const dir = importDir();
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const file = path.join(dir, name);
    const stat = await fs.promises.stat(file).catch(() => null);
    if (!stat?.isFile() || stat.mtimeMs >= before.getTime()) continue;
    if (await ImportJob.exists({ filePath: file, ...HOLDING_FILE() })) continue;
    await fs.promises.rm(file, { force: true });
    orphans++;
  }
  if (stale.length || orphans) log('info', 'Removed stale uploads', { jobs: stale.length, orphans });
  return { removed: stale.length, orphans };
}
