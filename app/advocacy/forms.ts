// The advocacy pages' forms, parsed with zod: an ask, an ask's outcome, a referral, a round of
// review invitations, and the referrals page's link / lost / unlink actions.
import { z } from 'zod';
import { ASK_CHANNELS, ASK_STATUSES, ASK_TYPES, REVIEW_PLATFORMS } from '#app/advocacy/advocacy-types';
import { optionalMoneyField } from '#app/utils/money';

const httpUrl = (message: string) =>
  z
    .string()
    .trim()
    .max(500)
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'https:' || u.protocol === 'http:';
      } catch {
        return false;
      }
    }, message);
const optionalText = (max: number) => z.string().trim().max(max).optional().default('');

export const REVIEW_ROUNDS_ONLY =
  'Review invitations go out in rounds to every eligible customer or a random sample (Review invitations page), never one by one: choosing who to invite is review gating, which review platforms forbid.';

/** The ask form on a candidate's page (referral, reference or case study; reviews go out in rounds). */
export const AskFormSchema = z
  .object({
    requestId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'Reload the page and try again.'),
    type: z.enum(ASK_TYPES, { error: 'Choose what to ask for.' }),
    channel: z.enum(ASK_CHANNELS, { error: 'Choose email or phone.' }),
    platform: z
      .enum(REVIEW_PLATFORMS)
      .optional()
      .or(z.literal('').transform(() => undefined)),
    reviewUrlToVisit: z
      .union([z.literal(''), httpUrl('Enter the review page as an http(s) link.')])
      .optional()
      .default(''),
    incentive: optionalText(200),
    message: optionalText(2000),
    phoneStatus: z.enum(['sent', 'accepted', 'declined']).optional().default('sent'),
  })
  .superRefine((v, ctx) => {
    if (v.type === 'review') ctx.addIssue({ code: 'custom', path: ['type'], message: REVIEW_ROUNDS_ONLY });
  });
export type AskFormInput = z.infer<typeof AskFormSchema>;

/** Outcome fields of an ask, by what it was for. */
export const AskUpdateSchema = z.object({
  status: z.enum(ASK_STATUSES, { error: 'Choose a status.' }),
  reviewUrl: z
    .union([z.literal(''), httpUrl('Enter the published review as an http(s) link.')])
    .optional()
    .default(''),
  referenceDate: z
    .union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD.')])
    .optional()
    .default(''),
  caseStudyUrl: z
    .union([z.literal(''), httpUrl('Enter the case study as an http(s) link.')])
    .optional()
    .default(''),
  referredCompany: optionalText(160),
  referredDomain: z
    .union([
      z.literal(''),
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'Enter a domain such as example.com.'),
    ])
    .optional()
    .default(''),
  referredContactName: optionalText(120),
  referredContactEmail: z
    .union([z.literal(''), z.string().trim().toLowerCase().email('Enter a valid email address.')])
    .optional()
    .default(''),
  estimatedArr: optionalMoneyField({ label: 'estimate' }).transform((v) => v ?? 0),
  note: optionalText(2000),
});
export type AskUpdateInput = z.infer<typeof AskUpdateSchema>;

export const ReferralFormSchema = AskUpdateSchema.pick({
  referredCompany: true,
  referredDomain: true,
  referredContactName: true,
  referredContactEmail: true,
  estimatedArr: true,
  note: true,
}).refine((v) => v.referredCompany.length >= 2, { path: ['referredCompany'], message: 'Enter the company they referred.' });
export type ReferralForm = z.infer<typeof ReferralFormSchema>;

export const ReviewCampaignFormSchema = z
  .object({
    platform: z.enum(REVIEW_PLATFORMS, { error: 'Choose the review platform.' }),
    reviewUrl: httpUrl('Enter the link to your review page (http or https).'),
    incentive: optionalText(200),
    mode: z.enum(['all', 'sample'], { error: 'Choose all eligible customers or a random sample.' }),
    sampleSize: z
      .string()
      .trim()
      .optional()
      .default('')
      .transform((v) => (v ? Number(v) : undefined))
      .pipe(z.number({ error: 'Enter the sample size as a number.' }).int('Enter a whole number.').min(1, 'Draw at least one customer.').max(100_000).optional()),
  })
  .superRefine((v, ctx) => {
    if (v.mode === 'sample' && !v.sampleSize) ctx.addIssue({ code: 'custom', path: ['sampleSize'], message: 'Enter how many customers to draw.' });
  });
export type ReviewCampaignForm = z.infer<typeof ReviewCampaignFormSchema>;

const referralObjectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Choose a referral.');
/** The referrals page's forms: link a new deal to a referral (by hand), or mark a referral lost. */
export const ReferralActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('link'), referralId: referralObjectId, dealId: z.string().regex(/^[a-f0-9]{24}$/i, 'Choose the new deal.') }),
  z.object({ intent: z.literal('lost'), referralId: referralObjectId }),
  z.object({
    intent: z.literal('unlink'),
    referralId: referralObjectId,
    reason: z.string().trim().min(5, 'Say why the link is wrong (at least 5 characters).').max(500, 'Keep the reason under 500 characters.'),
  }),
]);
