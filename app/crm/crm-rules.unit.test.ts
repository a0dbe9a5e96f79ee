import { describe, expect, test } from 'vitest';
import {
  DEFAULT_MAPPING,
  crmErrorMessage,
  crmProperties,
  deliveredPct,
  effectiveMapping,
  loginUrlProblem,
  maskSecret,
  recordPath,
  timeToLiveDays,
  type CrmValues,
} from '#app/crm/crm-rules';

const values: CrmValues = { stage: 'Onboarding', goLiveDate: null, timeToLiveDays: null, valueVerdict: 'yes', valueDeliveredPct: 100, advocateStatus: 'candidate' };

describe('what Kept writes back', () => {
  test('HubSpot gets strings ("" clears), Salesforce JSON types (null clears)', () => {
    expect(crmProperties('hubspot', values, DEFAULT_MAPPING.hubspot)).toEqual({
      kept_post_sale_stage: 'Onboarding',
      kept_go_live_date: '',
      kept_time_to_live_days: '',
      kept_value_verdict: 'yes',
      kept_value_delivered_pct: '100',
      kept_advocate_status: 'candidate',
    });
    expect(crmProperties('salesforce', values, DEFAULT_MAPPING.salesforce)).toMatchObject({ Kept_Go_Live_Date__c: null, Kept_Value_Delivered_Pct__c: 100 });
  });

  test('an unmapped field is left out; a saved mapping overrides the suggestion', () => {
    const mapping = effectiveMapping('hubspot', { stage: 'onboarding_phase', advocateStatus: '' });
    expect(mapping.stage).toBe('onboarding_phase');
    const sent = crmProperties('hubspot', values, mapping);
    expect(sent).toHaveProperty('onboarding_phase', 'Onboarding');
    expect(Object.keys(sent)).not.toContain('kept_advocate_status');
    expect(Object.keys(sent)).toHaveLength(5);
  });

  test('time to live in whole days from the close, the delivered share in whole percent', () => {
    expect(timeToLiveDays(new Date('2026-03-01T00:00:00Z'), new Date('2026-04-15T09:00:00Z'))).toBe(45);
    expect(timeToLiveDays(new Date('2026-03-01T00:00:00Z'), null)).toBeNull();
    expect(deliveredPct(['delivered', 'partly', 'not_yet'])).toBe(33);
    expect(deliveredPct([])).toBeNull();
  });

  test('each record has its documented path, the id escaped', () => {
    expect(recordPath('hubspot', 'deal', '123')).toBe('/crm/v3/objects/deals/123');
    expect(recordPath('hubspot', 'company', '9')).toBe('/crm/v3/objects/companies/9');
    expect(recordPath('salesforce', 'deal', '006xx')).toBe('/services/data/v62.0/sobjects/Opportunity/006xx');
    expect(recordPath('salesforce', 'company', '../x')).toBe('/services/data/v62.0/sobjects/Account/..%2Fx');
  });
});

describe('reading a CRM’s answer', () => {
  test('HubSpot’s and Salesforce’s error bodies give their code and message', () => {
    expect(crmErrorMessage('{"status":"error","message":"resource not found","category":"OBJECT_NOT_FOUND"}')).toBe('OBJECT_NOT_FOUND: resource not found');
    expect(crmErrorMessage('{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT"}')).toBe(
      'RATE_LIMIT: You have reached your secondly limit.',
    );
    expect(crmErrorMessage('[{"message":"No such column","errorCode":"INVALID_FIELD"}]')).toBe('INVALID_FIELD: No such column');
    expect(crmErrorMessage('{"error":"invalid_client","error_description":"invalid client credentials"}')).toBe('invalid_client: invalid client credentials');
    expect(crmErrorMessage('<html>Bad gateway</html>')).toBeNull();
    expect(crmErrorMessage(undefined)).toBeNull();
  });
});

describe('settings', () => {
  test('a Salesforce login URL is a bare https origin in production', () => {
    expect(loginUrlProblem('https://acme.my.salesforce.com', { production: true })).toBeNull();
    expect(loginUrlProblem('http://acme.my.salesforce.com', { production: true })).toMatch(/https/);
    expect(loginUrlProblem('http://127.0.0.1:4000', { production: false })).toBeNull();
    expect(loginUrlProblem('https://acme.my.salesforce.com/services/oauth2/token', { production: true })).toMatch(/without a path/);
    expect(loginUrlProblem('https://user:pw@acme.my.salesforce.com', { production: true })).toMatch(/user name/);
    expect(loginUrlProblem('not a url', { production: true })).toMatch(/Enter a URL/);
  });

  test('a secret is shown by its last four characters only', () => {
    expect(maskSecret('pat-eu1-abcdef1234')).toBe('••••1234');
    expect(maskSecret(null)).toBeNull();
  });
});
