// Linking a referral to a deal by hand: the comparison shown before confirming, the audited link,
// and the audited undo (marketing or admin, with a reason) that frees both sides for a new link.
import { Types } from 'mongoose';
import { describe, expect, test } from 'vitest';
import { AuditEvent } from '#models/audit-event';
import { Deal } from '#models/deal';
import { Referral } from '#models/referral';
import { compareReferredCompany } from '#app/advocacy/advocacy-rules.server';
import { getReferralLinkPreview, linkReferralToDeal, unlinkReferral } from '#app/advocacy/referrals.server';
import { ADVOCACY_METRICS } from '#app/advocacy/shared.server';
import { readMetrics } from '#app/platform/metrics.server';
import { makeAccount, makeContact, makeDeal, makeUser } from '#test/factories';

async function openReferral(referred: { company: string; domain?: string; estimatedArr?: number }) {
  const rep = await makeUser({ role: 'sales' });
  const account = await makeAccount();
  const contact = await makeContact(account.id);
  const origin = await makeDeal({ accountId: account.id, aeId: rep.id });
  const referral = await Referral.create({
    advocateId: new Types.ObjectId(),
    advocateContactId: contact.id,
    advocateName: 'Ada Advocate',
    advocateAccountId: account.id,
    advocateAccountName: 'Origin Co',
    originDealId: origin.id,
    originDealName: 'Origin deal',
    aeId: rep.id,
    referredCompany: referred.company,
    referredDomain: referred.domain,
    estimatedArr: referred.estimatedArr ?? 0,
  });
  return { referralId: String(referral._id), originId: origin.id, rep };
}

const referralCounts = async (origin: string) => {
  const out: Record<string, number> = {};
  for (const r of (await readMetrics(ADVOCACY_METRICS.referral)).filter((r) => r.dims.origin === origin)) for (const [k, n] of Object.entries(r.counts)) out[k] = (out[k] ?? 0) + n;
  return out;
};

describe('comparing the referred company with the deal’s company', () => {
  test('legal forms, case and www do not make two companies different', () => {
    expect(compareReferredCompany({ company: 'Acme, Inc.', domain: 'www.acme.example' }, { company: 'ACME', domain: 'acme.example' })).toEqual({ company: 'same', domain: 'same' });
    expect(compareReferredCompany({ company: 'Acme', domain: 'acme.example' }, { company: 'Globex Ltd', domain: 'globex.example' })).toEqual({
      company: 'different',
      domain: 'different',
    });
    expect(compareReferredCompany({ company: 'Acme', domain: '' }, { company: 'Acme GmbH', domain: 'acme.de' })).toEqual({ company: 'same', domain: 'unknown' });
  });

  test('the preview shows both sides for the confirmation step', async () => {
    const { referralId, rep } = await openReferral({ company: 'Initech', domain: 'initech.example' });
    const other = await makeAccount({ name: 'Initrode LLC', domain: 'initrode.example' });
    const deal = await makeDeal({ accountId: other.id, aeId: rep.id, arr: 12_000 });
    expect(await getReferralLinkPreview({ referralId, dealId: deal.id })).toMatchObject({
      referral: { company: 'Initech', domain: 'initech.example', open: true },
      deal: { company: 'Initrode LLC', domain: 'initrode.example', arr: 12_000 },
      company: 'different',
      domain: 'different',
    });
  });
});

describe('undoing a referral link', () => {
  test('marketing links (audited with the comparison), an admin undoes it with a reason (audited); the referral can be linked again', async () => {
    const marketing = await makeUser({ role: 'marketing' });
    const admin = await makeUser({ role: 'admin' });
    const { referralId, originId, rep } = await openReferral({ company: 'Hooli', domain: 'hooli.example', estimatedArr: 5_000 });
    const wrong = await makeDeal({ accountId: (await makeAccount({ name: 'Pied Piper', domain: 'piedpiper.example' })).id, aeId: rep.id, arr: 40_000 });
    const before = await referralCounts(originId);

    expect((await linkReferralToDeal({ referralId, dealId: wrong.id, via: 'manual', actorId: marketing.id })).ok).toBe(true);
    const linked = await AuditEvent.findOne({ entityType: 'referral', entityId: referralId, action: 'referral.linked' }).lean();
    expect(String(linked!.actorId)).toBe(marketing.id);
    expect(linked!.data).toMatchObject({ dealId: wrong.id, via: 'manual', compared: { company: 'different', domain: 'different' } });

    // Sales and leadership cannot undo; a reason is required by the form schema (route test) and recorded here.
    await expect(unlinkReferral({ user: rep, referralId, reason: 'wrong company' })).rejects.toMatchObject({ status: 403 });
    await expect(unlinkReferral({ user: await makeUser({ role: 'leadership' }), referralId, reason: 'wrong company' })).rejects.toMatchObject({ status: 403 });
    const undone = await unlinkReferral({ user: admin, referralId, reason: 'Pied Piper came from a trade show, not Hooli' });
    expect(undone).toMatchObject({ ok: true });
    expect(await Referral.findById(referralId).lean()).toMatchObject({ status: 'open', newDealId: null, linkedVia: null });
    expect((await Deal.findById(wrong.id).lean())!.referralId ?? null).toBeNull();
    const audit = await AuditEvent.findOne({ entityType: 'referral', entityId: referralId, action: 'referral.unlinked' }).lean();
    expect(String(audit!.actorId)).toBe(admin.id);
    expect(audit!.data).toMatchObject({ dealId: wrong.id, reason: 'Pied Piper came from a trade show, not Hooli' });
    // The referred revenue is taken back and the pipeline restored.
    const after = await referralCounts(originId);
    expect((after.won ?? 0) - (before.won ?? 0)).toBe(0);
    expect((after.revenue ?? 0) - (before.revenue ?? 0)).toBe(0);
    expect((after.open ?? 0) - (before.open ?? 0)).toBe(0);
    expect((after.pipeline ?? 0) - (before.pipeline ?? 0)).toBe(0);
    // Undoing twice is refused; both sides are free for the right link.
    expect(await unlinkReferral({ user: admin, referralId, reason: 'again' })).toEqual({ ok: false, error: 'This referral is not linked to a deal.' });
    const right = await makeDeal({ accountId: (await makeAccount({ name: 'Hooli', domain: 'hooli.example' })).id, aeId: rep.id, arr: 30_000 });
    expect((await linkReferralToDeal({ referralId, dealId: right.id, via: 'manual', actorId: marketing.id })).ok).toBe(true);
    expect(await Referral.findById(referralId).lean()).toMatchObject({ status: 'won', newDealArr: 30_000 });
    const other = await openReferral({ company: 'Pied Piper' });
    expect((await linkReferralToDeal({ referralId: other.referralId, dealId: wrong.id, via: 'manual', actorId: marketing.id })).ok).toBe(true);
  });
});
