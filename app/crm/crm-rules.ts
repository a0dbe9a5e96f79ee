// The rules of the CRM write-back, as plain values (docs/crm-write-back.md): which Kept fields are
// sent, under which CRM property names by default, how each value is written for HubSpot and for
// Salesforce, which request updates which record, and what a CRM's error answer says.
import type { CrmObject } from '#models/crm-push';
import type { CrmProvider } from '#models/crm-connection';

export const CRM_PROVIDER_LABELS: Record<CrmProvider, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };

/** What Kept writes on the deal / opportunity and the company / account. */
export const KEPT_FIELDS = {
  stage: 'Post-sale stage',
  goLiveDate: 'Go-live date',
  timeToLiveDays: 'Time to live (days)',
  valueVerdict: 'Latest value verdict',
  valueDeliveredPct: 'Value delivered (% of promises)',
  advocateStatus: 'Advocate status',
} as const;
export type KeptField = keyof typeof KEPT_FIELDS;
export const KEPT_FIELD_KEYS = Object.keys(KEPT_FIELDS) as KeptField[];

/** The property names Kept suggests: custom properties the admin creates in the CRM (docs/crm-write-back.md, "Setup"). */
export const DEFAULT_MAPPING: Record<CrmProvider, Record<KeptField, string>> = {
  hubspot: {
    stage: 'kept_post_sale_stage',
    goLiveDate: 'kept_go_live_date',
    timeToLiveDays: 'kept_time_to_live_days',
    valueVerdict: 'kept_value_verdict',
    valueDeliveredPct: 'kept_value_delivered_pct',
    advocateStatus: 'kept_advocate_status',
  },
  salesforce: {
    stage: 'Kept_Post_Sale_Stage__c',
    goLiveDate: 'Kept_Go_Live_Date__c',
    timeToLiveDays: 'Kept_Time_To_Live_Days__c',
    valueVerdict: 'Kept_Value_Verdict__c',
    valueDeliveredPct: 'Kept_Value_Delivered_Pct__c',
    advocateStatus: 'Kept_Advocate_Status__c',
  },
};

/** A property name the CRM accepts: HubSpot internal names and Salesforce API names are letters, digits and _. */
export const PROPERTY_NAME = /^[A-Za-z][A-Za-z0-9_]{0,99}$/;

/** The mapping as saved, completed with the defaults for fields never saved. Empty: not sent. */
export function effectiveMapping(provider: CrmProvider, saved: Partial<Record<string, string>> | null | undefined): Record<KeptField, string> {
  const out = { ...DEFAULT_MAPPING[provider] };
  for (const key of KEPT_FIELD_KEYS) if (saved && typeof saved[key] === 'string') out[key] = saved[key]!;
  return out;
}

/** The advocate status Kept reports: an advocate candidate, a satisfied customer (expansion), or neither. */
export const ADVOCATE_STATUSES = ['candidate', 'satisfied', 'none'] as const;
export type AdvocateStatus = (typeof ADVOCATE_STATUSES)[number];

/** A deal's figures as Kept knows them now (app/crm/crm-values.server.ts); null: not known yet. */
export type CrmValues = {
  stage: string;
  goLiveDate: string | null;
  timeToLiveDays: number | null;
  valueVerdict: 'yes' | 'partly' | 'no' | null;
  valueDeliveredPct: number | null;
  advocateStatus: AdvocateStatus;
};

const DAY_MS = 86_400_000;
/** Whole days from the close to go-live (time to live runs from the close: docs/imported-history.md). */
export const timeToLiveDays = (closedWonAt: Date, liveAt: Date | null | undefined) =>
  liveAt ? Math.max(0, Math.floor((liveAt.getTime() - closedWonAt.getTime()) / DAY_MS)) : null;
/** A date as YYYY-MM-DD (UTC): HubSpot date properties and Salesforce Date fields both take it. */
export const isoDay = (d: Date | null | undefined) => (d ? d.toISOString().slice(0, 10) : null);
/** Promises judged delivered in the latest answer, as a whole percentage; null without promises. */
export const deliveredPct = (verdicts: readonly string[]) => (verdicts.length ? Math.round((100 * verdicts.filter((v) => v === 'delivered').length) / verdicts.length) : null);

/**
 * The body of the update, keyed by the mapped property names. HubSpot takes every value as a string
 * and clears a property with "" (its docs: property values are strings); Salesforce takes JSON
 * types and clears a field with null.
 */
export function crmProperties(provider: CrmProvider, values: CrmValues, mapping: Record<KeptField, string>) {
  const out: Record<string, string | number | null> = {};
  for (const key of KEPT_FIELD_KEYS) {
    const name = mapping[key];
    if (!name) continue;
    const value = values[key];
    out[name] = provider === 'hubspot' ? (value === null ? '' : String(value)) : value;
  }
  return out;
}

/** The API path of one record's update (relative to the HubSpot API host or the Salesforce instance). */
export function recordPath(provider: CrmProvider, object: CrmObject, id: string, apiVersion = SALESFORCE_API_VERSION) {
  const safe = encodeURIComponent(id);
  if (provider === 'hubspot') return `/crm/v3/objects/${object === 'deal' ? 'deals' : 'companies'}/${safe}`;
  return `/services/data/${apiVersion}/sobjects/${object === 'deal' ? 'Opportunity' : 'Account'}/${safe}`;
}

/** The Salesforce REST API version Kept speaks. */
export const SALESFORCE_API_VERSION = 'v62.0';

/** What a record is called in a provider's CRM. */
export const objectLabel = (provider: CrmProvider, object: CrmObject) =>
  provider === 'hubspot' ? (object === 'deal' ? 'deal' : 'company') : object === 'deal' ? 'opportunity' : 'account';

/**
 * The message of a CRM's error answer, for the sync log: HubSpot answers `{ message, category }` (a rate limit `{ message, errorType }`),
 * Salesforce `[{ message, errorCode }]`, its token endpoint `{ error, error_description }`.
 */
export function crmErrorMessage(text: string | undefined): string | null {
  if (!text) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const first = Array.isArray(body) ? body[0] : body;
  if (!first || typeof first !== 'object') return null;
  const o = first as Record<string, unknown>;
  const code = [o.errorCode, o.errorType, o.category, o.error].find((v) => typeof v === 'string') as string | undefined;
  const message = [o.message, o.error_description].find((v) => typeof v === 'string') as string | undefined;
  const parts = [code, message].filter(Boolean);
  return parts.length ? parts.join(': ').slice(0, 300) : null;
}

/** A saved secret as the page shows it: never in full, only its last four characters. */
export const maskSecret = (secret: string | null | undefined) => (secret ? `••••${secret.slice(-4)}` : null);

/** Why Kept refuses `raw` as a Salesforce login URL (https only in production; a bare origin). */
export function loginUrlProblem(raw: string, { production }: { production: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Enter a URL such as https://login.salesforce.com or https://yourdomain.my.salesforce.com.';
  }
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) return 'Use an https:// URL.';
  if (url.username || url.password) return 'Leave the user name and password out of the URL.';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) return 'Enter only the address of the login server, without a path.';
  return null;
}
