import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportJob } from '#models/import-job';
import { resetEnvCache } from '#app/env.server';
import { importDir, receiveUpload, removeStaleUploads, runImport, startImport } from '#app/deals/import.server';
import { TASKS } from '#app/worker/worker.server';
import { makeUser, requestAs } from '#test/factories';
import { action } from './_staff.deals.import._index';

// This file's own data folder (the sweep below deletes files no job of this database holds).
const dataDir = path.join(process.cwd(), '.data', `test-uploads-${crypto.randomBytes(4).toString('hex')}`);
process.env.KEPT_DATA_DIR = dataDir;
resetEnvCache();
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const ctx = { nonce: '', clientIp: '10.7.0.1' };
const fixture = (name: string) => fs.readFileSync(path.join(process.cwd(), 'test/fixtures/import', name));

async function uploadAs(user: Awaited<ReturnType<typeof makeUser>>, file: File | null, extra: Record<string, string> = {}) {
  const body = new FormData();
  if (file) body.set('file', file);
  for (const [k, v] of Object.entries(extra)) body.set(k, v);
  const request = await requestAs(user, '/deals/import', { method: 'POST', body });
  try {
    const result = (await action({ request, params: {}, context: ctx })) as unknown as { data: { errors: Record<string, string[]> }; init?: { status?: number } };
    return { status: result.init?.status ?? 200, error: result.data.errors.file[0], location: null, jobId: null };
  } catch (thrown) {
    const response = thrown as Response;
    const location = response.headers.get('Location');
    return { status: response.status, error: null, location, jobId: location?.split('/').pop() ?? null };
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
    expect(await uploadAs(cs, new File(['PK\u0003\u0004 not really'], 'deals.xlsx', { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }))).toMatchObject({
      status: 400,
      error: expect.stringMatching(/Only CSV/),
    });
    expect(await uploadAs(cs, null, { note: 'x' })).toMatchObject({ status: 400, error: expect.stringMatching(/Choose a CSV file/) });
    expect(await uploadAs(cs, new File([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d])], 'deals.csv', { type: 'text/csv' }))).toMatchObject({
      status: 400,
      error: expect.stringMatching(/not a CSV/),
    });
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

const hubspot = () => new File([fixture('hubspot-deals.csv')], 'hubspot-deals.csv', { type: 'text/csv' });
const mode = (file: string) => fs.statSync(file).mode & 0o777;
const filesOnDisk = () => (fs.existsSync(importDir()) ? fs.readdirSync(importDir()).sort() : []);
const HOUR = 3600_000;

describe('uploads on disk (issue 15: never cleaned, shared temp folder, 0644)', () => {
  it('are kept in the app data folder, owner-only (file 0600, folder 0700), not in the shared temp folder', async () => {
    const cs = await makeUser({ role: 'cs' });
    const { jobId } = await uploadAs(cs, hubspot());
    const job = await ImportJob.findById(jobId).lean();
    expect(job!.filePath.startsWith(path.join(dataDir, 'imports') + path.sep)).toBe(true);
    // Not the shared folder of before (a clone may itself live under the OS temp folder, as in CI).
    expect(job!.filePath.startsWith(path.join(os.tmpdir(), 'kept-imports'))).toBe(false);
    expect(mode(job!.filePath).toString(8)).toBe('600');
    expect(mode(path.dirname(job!.filePath)).toString(8)).toBe('700');
  });

  it('are deleted when the import finishes, and when it fails on an unreadable file (which cannot be resumed then)', async () => {
    const cs = await makeUser({ role: 'cs' });
    const done = (await uploadAs(cs, hubspot())).jobId!;
    const doneJob = await ImportJob.findById(done).lean();
    const run = await startImport({ user: cs, jobId: done });
    expect(await runImport({ jobId: done, attempt: run!.ok ? run!.attempt : 0 })).toMatchObject({ outcome: 'done' });
    expect(fs.existsSync(doneJob!.filePath)).toBe(false);

    const broken = (await uploadAs(cs, hubspot())).jobId!;
    const brokenJob = await ImportJob.findById(broken).lean();
    // The file turns unreadable after its check (an unclosed quote halfway).
    fs.appendFileSync(brokenJob!.filePath, '"unclosed,quote\n');
    const second = await startImport({ user: cs, jobId: broken });
    expect(await runImport({ jobId: broken, attempt: second!.ok ? second!.attempt : 0 })).toMatchObject({ outcome: 'failed' });
    expect(fs.existsSync(brokenJob!.filePath)).toBe(false);
    expect(await ImportJob.findById(broken).lean()).toMatchObject({ status: 'failed', error: expect.stringMatching(/Upload a corrected file/) });
    expect(await startImport({ user: cs, jobId: broken })).toEqual({ ok: false, message: 'The uploaded file has been removed. Upload it again to import it.' });
  });

  it('the worker sweep deletes an upload left unstarted for a day (and a file no job holds), not a younger one', async () => {
    expect(TASKS.map((t) => t.name)).toContain('import-upload-sweep');
    const cs = await makeUser({ role: 'cs' });
    const oldId = (await uploadAs(cs, hubspot())).jobId!;
    const oldJob = await ImportJob.findById(oldId).lean();
    const orphan = path.join(importDir(), 'left-by-a-crash.csv');
    fs.writeFileSync(orphan, 'a,b,c\n1,2,3\n', { mode: 0o600 });
    const uploadedAt = oldJob!.updatedAt!.getTime();

    // 23 hours later nothing is due; 25 hours later both are gone.
    expect(await removeStaleUploads({ now: new Date(uploadedAt + 23 * HOUR) })).toEqual({ removed: 0, orphans: 0 });
    expect(fs.existsSync(oldJob!.filePath)).toBe(true);
    fs.utimesSync(orphan, new Date(uploadedAt - 2 * HOUR), new Date(uploadedAt - 2 * HOUR));
    const swept = await removeStaleUploads({ now: new Date(uploadedAt + 25 * HOUR) });
    expect(swept.orphans).toBe(1);
    expect(swept.removed).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(oldJob!.filePath)).toBe(false);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(await ImportJob.findById(oldId).lean()).toMatchObject({ status: 'failed', error: expect.stringMatching(/Not imported within a day/) });

    // A fresh upload is left alone by the same sweep clock minus a day.
    const fresh = (await uploadAs(cs, hubspot())).jobId!;
    const freshJob = await ImportJob.findById(fresh).lean();
    await removeStaleUploads({ now: new Date(freshJob!.updatedAt!.getTime() + HOUR) });
    expect(fs.existsSync(freshJob!.filePath)).toBe(true);
  });

  it('count against a per-user quota: past it the upload is refused with a readable error next to the field, and nothing is kept', async () => {
    const cs = await makeUser({ role: 'cs' });
    for (let i = 0; i < 5; i++) expect((await uploadAs(cs, hubspot())).status).toBe(302);
    const jobsBefore = await ImportJob.countDocuments({ createdById: cs.id });
    const filesBefore = filesOnDisk();
    const refused = await uploadAs(cs, hubspot());
    expect(refused.status).toBe(400);
    expect(refused.error).toMatch(/^You already have 5 uploaded files waiting to be imported \(\d+ KB\), the most one person may keep: 5 files or 200 MB\. Import those first/);
    expect(await ImportJob.countDocuments({ createdById: cs.id })).toBe(jobsBefore);
    expect(filesOnDisk()).toEqual(filesBefore);
    // Another user is not affected.
    expect((await uploadAs(await makeUser({ role: 'cs' }), hubspot())).status).toBe(302);

    // The space quota: a file larger than what is left is cut off while streaming and kept nowhere.
    const admin = await makeUser({ role: 'admin' });
    const quota = { files: 5, bytes: 1500 }; // the fixture is 924 bytes: one fits, not two
    const upload = async () => {
      const body = new FormData();
      body.set('file', hubspot());
      return receiveUpload({ user: admin, request: await requestAs(admin, '/deals/import', { method: 'POST', body }), quota });
    };
    expect(await upload()).toMatchObject({ ok: true });
    const before = filesOnDisk();
    expect(await upload()).toEqual({
      ok: false,
      error:
        'This file does not fit in your upload space: 1 KB of 2 KB left, with 1 uploaded file waiting to be imported. Import those first (listed under Recent imports), or wait: an upload not imported within a day is removed.',
    });
    expect(filesOnDisk()).toEqual(before);
  });
});
