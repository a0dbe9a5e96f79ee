import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import type { AdvocacyPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, SelectField, fieldState } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { createReviewCampaign, getReviewCampaign, getReviewOverview, requireAdvocacyWriter, ReviewCampaignFormSchema } from '#app/advocacy/advocacy.server';
import { PLATFORM_LABELS, REVIEW_PLATFORMS } from '#app/advocacy/advocacy-types';
import { badRequest, formValues, notFound, parseForm, readFormData } from '#app/utils/forms.server';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction = () => [{ title: 'Review invitations · Advocacy · Kept' }];

export const handle = { advocacy: {} } satisfies AdvocacyPageHandle;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  const campaignId = new URL(request.url).searchParams.get('campaign');
  const [overview, campaign] = await Promise.all([getReviewOverview(), campaignId ? getReviewCampaign({ campaignId }) : null]);
  if (campaignId && !campaign) notFound('That review campaign');
  return { ...overview, campaign, canWrite: may(user.role, 'advocacy.act') };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'advocacy.view' });
  requireAdvocacyWriter(user);
  const formData = await readFormData(request);
  const parsed = parseForm(ReviewCampaignFormSchema, formData);
  if (!parsed.ok) return badRequest(parsed);
  await rateLimit('emailAction', user.id);
  const result = await createReviewCampaign({ user, input: parsed.data });
  if (!result.ok) return data({ ok: false as const, errors: { '': [result.error] } as Record<string, string[]>, values: formValues(formData) }, { status: 409 });
  return {
    ok: true as const,
    campaignId: result.campaignId,
    message: `${result.drawn} of ${result.population} eligible customers drawn; ${result.invited} invited now, ${result.skipped} skipped${result.remaining ? `, ${result.remaining} more within a minute` : ''}.`,
  };
}

export default function Reviews() {
  const { minTenureDays, budget, eligibleNow, campaigns, campaign, canWrite } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors = result && !result.ok ? result : undefined;
  const [mode, setMode] = useState(errors?.values?.mode ?? 'all');
  return (
    <>
      <section className="panel rule" aria-labelledby="rule">
        <h2 id="rule">The rule: invite every eligible customer, never only the happy ones</h2>
        <p>
          G2, TrustRadius and Capterra forbid <strong>review gating</strong>: choosing who to invite by how satisfied they are. So in Kept a customer is eligible for a review
          invitation when they have been <strong>live for at least {minTenureDays} days</strong> and their contact can be emailed.{' '}
          <strong>The survey score and NPS are never read</strong>: a detractor with tenure is invited, a promoter without tenure is not. Please do not “fix” this into asking
          promoters only; it would break the platforms’ terms and get reviews removed.
        </p>
        <ul>
          <li>Invite all eligible customers, or a random sample that Kept draws and records (seed, population, draw), so anyone can check it was not hand-picked.</li>
          <li>Neutral wording: the email asks for an honest review, positive or critical.</li>
          <li>The same incentive (or none) for everyone, stated in the email and never tied to the rating.</li>
          <li>
            Each invitation uses the contact’s ask budget ({budget.perContact} per {budget.windowDays} days, survey emails included); a customer asked recently is skipped and the
            reason recorded.
          </li>
        </ul>
        <p>
          <strong>{eligibleNow}</strong> customers are eligible today.
        </p>
      </section>

      {result?.ok ? (
        <p className="notice" role="status">
          {result.message} <Link to={`?campaign=${result.campaignId}`}>See the draw</Link>
        </p>
      ) : null}

      {canWrite ? (
        <section className="panel" aria-labelledby="new">
          <h2 id="new">Invite customers to review</h2>
          <Form method="post" className="stack">
            <FormError errors={errors?.errors?.['']} />
            <div className="row">
              <SelectField label="Platform" name="platform" defaultValue={errors?.values?.platform ?? 'g2'} {...fieldState(errors, 'platform')}>
                {REVIEW_PLATFORMS.map((p) => (
                  <option key={p} value={p}>
                    {PLATFORM_LABELS[p]}
                  </option>
                ))}
              </SelectField>
              <Field
                label="Review page link"
                name="reviewUrl"
                type="url"
                required
                placeholder="https://www.g2.com/products/…/take_survey"
                defaultValue={errors?.values?.reviewUrl}
                errors={errors?.errors?.reviewUrl}
              />
              <Field
                label="Incentive for everyone (optional)"
                name="incentive"
                placeholder="e.g. a USD 25 gift card"
                defaultValue={errors?.values?.incentive}
                errors={errors?.errors?.incentive}
              />
            </div>
            <fieldset>
              <legend>Who</legend>
              <label>
                <input type="radio" name="mode" value="all" checked={mode === 'all'} onChange={() => setMode('all')} /> All {eligibleNow} eligible customers
              </label>{' '}
              <label>
                <input type="radio" name="mode" value="sample" checked={mode === 'sample'} onChange={() => setMode('sample')} /> A random sample of
              </label>{' '}
              <input
                aria-label="Sample size"
                name="sampleSize"
                type="number"
                min={1}
                max={eligibleNow || undefined}
                defaultValue={errors?.values?.sampleSize}
                style={{ width: '6rem' }}
              />
              {errors?.errors?.sampleSize ? <p className="field-error">{errors.errors.sampleSize.join(' ')}</p> : null}
            </fieldset>
            <button type="submit" disabled={navigation.state === 'submitting' || eligibleNow === 0}>
              Draw and invite
            </button>
          </Form>
        </section>
      ) : null}

      {campaign ? (
        <section className="panel" aria-labelledby="draw">
          <h2 id="draw">
            The draw: {PLATFORM_LABELS[campaign.platform]}, {campaign.mode === 'all' ? 'all eligible customers' : `a random sample of ${campaign.members.length}`}
          </h2>
          <p className="muted">
            Population {campaign.populationSize} (SHA-256 of its contact ids in order: <code>{campaign.populationDigest.slice(0, 16)}…</code>), seed <code>{campaign.seed}</code>.
            The same seed and population always draw the same sample.
          </p>
          <table>
            <thead>
              <tr>
                <th>Contact</th>
                <th>Account</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {campaign.members.map((m, i) => (
                <tr key={i}>
                  <td>
                    {m.contactName} <span className="muted">{m.contactEmail}</span>
                  </td>
                  <td>{m.accountName}</td>
                  <td>
                    {m.askId ? <Link to={`/advocacy/asks/${m.askId}`}>invited</Link> : m.result}
                    {m.reason ? <div className="muted">{m.reason}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="past">
        <h2 id="past">Past invitation rounds</h2>
        {campaigns.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Drawn</th>
                <th>Platform</th>
                <th>Who</th>
                <th className="num">Eligible</th>
                <th className="num">Drawn</th>
                <th className="num">Invited</th>
                <th className="num">Skipped</th>
                <th>Incentive</th>
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`?campaign=${c.id}`}>
                      <LocalTime iso={c.drawnAt} />
                    </Link>
                    <div className="muted">by {c.createdByName}</div>
                  </td>
                  <td>{PLATFORM_LABELS[c.platform]}</td>
                  <td>{c.mode === 'all' ? 'all eligible' : `random sample of ${c.sampleSize}`}</td>
                  <td className="num">{c.populationSize}</td>
                  <td className="num">{c.drawn}</td>
                  <td className="num">{c.invited}</td>
                  <td className="num">{c.skipped}</td>
                  <td>{c.incentive || 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
