import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImportJob } from '#models/import-job';
import { importDir, receiveUpload } from '#app/services/import.server';
import { makeUser, requestAs } from '#test/factories';
import { action } from './_staff.deals.import._index';

const ctx = { nonce: '', clientIp: '10.7.0.1' };
const fixture = (name: string) => fs.readFileSync(path.join(process.cwd(), 'test/fixtures/import', name));

async function uploadAs(user: Awaited<ReturnType<typeof makeUser>>, file: File | null, extra: Record<string, string> = {}) {
  const body = new FormData();
  if (file) body.set('file', file);
  for (const [k, v] of Object.entries(extra)) body.set(k, v);
  const request = await requestAs(user, '/deals/import', { method: 'POST', body });
  try {
    const result = (await action({ request, params: {}, context: ctx })) as unknown as { data: { errors: Record<string, string[]> }; init?: { status?: number } };
    return { status: result.init?.status ?? 200, error: result.data.errors[''][0], location: null };
  } catch (thrown) {
    const response = thrown as Response;
    return { status: response.status, error: null, location: response.headers.get('Location') };
  }
}

describe('CSV upload', () => {
  it('a HubSpot export uploads as multipart and opens its mapping page', async () => {
    const cs = await makeUser({ role: 'cs' });
    const res = await uploadAs(cs, new File([fixture('hubspot-deals.csv')], 'hubspot-deals.csv', { type: 'text/csv' }));
    expect(res.status).toBe(302);
    const jobId = res.location!.split('/').pop();
    const job = await ImportJob.findById(jobId).lean();
    expect(job).toMatchObject({ source: 'hubspot', totalRows: 6, status: 'uploaded', fileName: 'hubspot-deals.csv' });
    expect(fs.existsSync(job!.filePath)).toBe(true);
  });

  it('refuses a non-CSV file, a missing file, a binary file renamed .csv and a JSON body', async () => {
    const cs = await makeUser({ role: 'cs' });
    expect(await uploadAs(cs, new File(['PK\u0003\u0004 not really'], 'deals.xlsx', { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }))).toMatchObject({ status: 400, error: expect.stringMatching(/Only CSV/) });
    expect(await uploadAs(cs, null, { note: 'x' })).toMatchObject({ status: 400, error: expect.stringMatching(/Choose a CSV file/) });
    expect(await uploadAs(cs, new File([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d])], 'deals.csv', { type: 'text/csv' }))).toMatchObject({ status: 400, error: expect.stringMatching(/not a CSV/) });
    const request = await requestAs(cs, '/deals/import', { method: 'POST', body: '{"file":{"$ne":null}}', headers: { 'Content-Type': 'application/json' } });
    const json = (await action({ request, params: {}, context: ctx })) as unknown as { init?: { status?: number } };
    expect(json.init?.status).toBe(400);
  });

  it('an oversized file is cut off while streaming and refused, leaving nothing on disk', async () => {
    const cs = await makeUser({ role: 'cs' });
    const body = new FormData();
    body.set('file', new File([fixture('hubspot-deals.csv'), 'x'.repeat(2 * 1024 * 1024)], 'big.csv', { type: 'text/csv' }));
    const request = await requestAs(cs, '/deals/import', { method: 'POST', body });
    const before = fs.existsSync(importDir()) ? fs.readdirSync(importDir()).length : 0;
    const result = await receiveUpload({ user: cs, request, maxBytes: 1024 * 1024 });
    expect(result).toEqual({ ok: false, error: 'The file is larger than 1 MB. Split it into smaller files.' });
    expect(fs.readdirSync(importDir()).length).toBe(before);
  });

  it('sales, leadership and marketing cannot import', async () => {
    for (const role of ['sales', 'leadership', 'marketing'] as const) {
      const user = await makeUser({ role });
      expect((await uploadAs(user, new File([fixture('hubspot-deals.csv')], 'h.csv', { type: 'text/csv' }))).status).toBe(403);
    }
  });
});
