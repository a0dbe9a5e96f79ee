import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { Choices } from '#app/components/choices';
import { LocalTime } from '#app/components/local-time';
import { PublicFrame, buyerMeta } from '#app/components/public-frame';
import { getReaskPage, submitReaskAnswer } from '#app/recovery/reask-answer.server';
import { REASK_VERDICTS, REASK_VERDICT_LABELS } from '#app/recovery/reask-rules';
import { readFormData } from '#app/utils/forms.server';
import { formatDate } from '#app/utils/format';

// The re-ask of one promise: no login, no JavaScript needed, readable on a phone. GET only reads
// (mail scanners open links); the POST consumes the link, once (docs/reask.md).
export const meta: MetaFunction = buyerMeta('Is it delivered now?');

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };
type Closed = { open: false; reason: 'answered' | 'expired' | 'closed' };

/** A link that cannot be answered (any more), and why: answered already, expired, or unknown/withdrawn. */
const notOpen = (reason: Closed['reason'], status: number) => data<Closed>({ open: false, reason }, { status, headers: NO_STORE });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const page = await getReaskPage({ token: params.token ?? '' });
  if (page.state === 'answered') return notOpen('answered', 200);
  if (page.state === 'expired') return notOpen('expired', 410);
  if (page.state === 'closed') return notOpen('closed', 404);
  return data({ open: true as const, reask: page }, { headers: NO_STORE });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const result = await submitReaskAnswer({ token: params.token ?? '', formData });
  if (result.status === 'answered') return redirect(`/r/thank-you?verdict=${result.verdict}`, { headers: NO_STORE });
  if (result.status === 'already') return notOpen('answered', 409);
  if (result.status === 'expired') return notOpen('expired', 410);
  if (result.status === 'closed') return notOpen('closed', 404);
  return data({ open: true as const, errors: result.errors, values: result.values }, { status: 400, headers: NO_STORE });
}

const ReaskFrame = ({ children }: { children: React.ReactNode }) => <PublicFrame label="promise check-in">{children}</PublicFrame>;

function NotOpen({ reason }: { reason: Closed['reason'] }) {
  if (reason === 'answered') {
    return (
      <ReaskFrame>
        <h1>Thank you, your answer is already in</h1>
        <p>We received your answer to this question, and it went to your customer success manager. There is nothing more to do; you can close this page.</p>
      </ReaskFrame>
    );
  }
  if (reason === 'expired') {
    return (
      <ReaskFrame>
        <h1>This link has expired</h1>
        <p>
          The question it asked is closed. If you still want to tell us whether we delivered this promise, reply to the email you received and your customer success manager will
          follow up.
        </p>
      </ReaskFrame>
    );
  }
  return (
    <ReaskFrame>
      <h1>This link cannot be used</h1>
      <p>It may have been replaced by a newer link, withdrawn, or copied incompletely. If you want to tell us how we are doing, reply to the email you received.</p>
    </ReaskFrame>
  );
}

const OPTIONS = REASK_VERDICTS.map((value) => ({ value, label: REASK_VERDICT_LABELS[value] }));

export default function ReaskPage() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ({ open: true; errors?: Record<string, string[]>; values?: Record<string, string> } | Closed) | undefined;
  const navigation = useNavigation();
  if (actionData && !actionData.open) return <NotOpen reason={actionData.reason} />;
  if (!loaded.open) return <NotOpen reason={loaded.reason} />;
  const { reask } = loaded;
  const values = actionData?.values ?? {};
  const errors = actionData?.errors ?? {};
  const submitting = navigation.state === 'submitting';

  return (
    <ReaskFrame>
      <h1>Is it delivered now?</h1>
      <p>
        Hello {reask.contactName}. You told us that a promise we made {reask.accountName} was not delivered. We agreed a plan to put it right, and its date has passed. One
        question; your answer goes to your customer success manager.
      </p>
      <Form method="post" className="survey-form">
        <section className="panel" aria-labelledby="promise-h">
          <h2 id="promise-h">{reask.promise}</h2>
          <p>
            <strong>What we agreed:</strong> {reask.plan} <span className="muted">(by {formatDate(reask.planDueBy)})</span>
          </p>
          <Choices name="verdict" legend="You told us this was not delivered. Is it now?" options={OPTIONS} value={values.verdict} errors={errors.verdict} />
          <div className="field">
            <label htmlFor="comment">Comment (optional)</label>
            <textarea id="comment" name="comment" maxLength={2000} defaultValue={values.comment ?? ''} aria-describedby={errors.comment ? 'comment-error' : undefined} />
            {errors.comment ? (
              <p className="field-error" id="comment-error">
                {errors.comment.join(' ')}
              </p>
            ) : null}
          </div>
        </section>
        <button type="submit" className="submit-survey" disabled={submitting}>
          {submitting ? 'Sending…' : 'Send my answer'}
        </button>
        {reask.expiresAt ? (
          <p className="muted">
            This link works until <LocalTime iso={reask.expiresAt} />.
          </p>
        ) : null}
      </Form>
    </ReaskFrame>
  );
}

export function ErrorBoundary() {
  return (
    <ReaskFrame>
      <h1>This page could not be shown</h1>
      <p>Please try again in a moment. If it keeps happening, reply to the email you received.</p>
    </ReaskFrame>
  );
}
