import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { PromiseList } from '#app/components/promise-list';
import { ConfirmSchema, confirmOnPlan, getPlanView } from '#app/services/plan.server';
import { formValues, readFormData } from '#app/utils/forms.server';
import { formatDate, formatDateTime } from '#app/utils/format';

// The buyer's shared plan page: no login, no JavaScript needed, GET reads only.
export const meta: MetaFunction = () => [{ title: 'Your shared plan · Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

type Context = { clientIp?: string };

/** One answer for every bad link (unknown, expired, revoked, malformed): nothing to tell apart. */
const invalidLink = () => data({ valid: false as const }, { status: 404, headers: { 'Cache-Control': 'no-store' } });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const plan = await getPlanView({ token: params.token ?? '' });
  if (!plan) return invalidLink();
  return data({ valid: true as const, plan }, { headers: { 'Cache-Control': 'no-store' } });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const parsed = ConfirmSchema.safeParse(formValues(await readFormData(request)));
  if (!parsed.success) return data({ ok: false as const, message: 'Choose what you confirm.' }, { status: 400 });
  const result = await confirmOnPlan({ token: params.token ?? '', criterionKey: parsed.data.criterionKey });
  if (!result) return invalidLink();
  if (!result.ok) return data({ ok: false as const, message: result.message }, { status: 409 });
  return data({ ok: true as const, message: result.already ? 'You had already confirmed this. Thank you.' : 'Thank you: your confirmation is recorded.' });
}

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <main className="public">
      <header>
        <span aria-hidden="true">●</span> Kept · shared plan
      </header>
      {children}
    </main>
  );
}

export default function PlanPage() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { ok?: boolean; message?: string; valid?: boolean } | undefined;
  const navigation = useNavigation();
  if (!loaded.valid || actionData?.valid === false) {
    return (
      <Frame>
        <h1>This link does not work any more</h1>
        <p>Plan links are personal and expire after a while. Ask your customer success manager to send you a new one.</p>
      </Frame>
    );
  }
  const { plan } = loaded;
  const open = plan.waiting.filter((w) => !w.done);
  return (
    <Frame>
      <h1>
        {plan.accountName}: {plan.live ? 'you are live' : `${plan.currentStageName} stage`}
      </h1>
      <p>
        Hello {plan.contactName}. This page shows where the {plan.accountName} rollout stands
        {plan.csmName ? `, tracked with you by ${plan.csmName}` : ''}.
      </p>
      {actionData?.message ? (
        <p className={actionData.ok ? 'notice' : 'form-error'} role={actionData.ok ? 'status' : 'alert'}>
          {actionData.message}
        </p>
      ) : null}

      <section className="panel" aria-labelledby="stages-h">
        <h2 id="stages-h">Stages</h2>
        <ol className="timeline">
          {plan.stages.map((s) => (
            <li key={s.key} className={`timeline-step ${s.state}`} aria-current={s.state === 'current' ? 'step' : undefined}>
              <div className="timeline-name">
                {s.name} {s.state === 'done' ? <span className="badge ok">done</span> : s.state === 'current' ? <span className="badge muted">now</span> : null}
              </div>
              <div className="muted">
                {s.enteredAt ? `Started ${formatDate(s.enteredAt)}` : 'Later'}
                {s.exitedAt ? ` · completed ${formatDate(s.exitedAt)}` : ''}
              </div>
            </li>
          ))}
        </ol>
      </section>

      {!plan.live ? (
        <section className="panel" aria-labelledby="waiting-h">
          <h2 id="waiting-h">{open.length ? 'Waiting for you' : 'Nothing waits for you right now'}</h2>
          <ul className="criteria">
            {plan.waiting.map((w) => (
              <li key={w.key}>
                <strong>{w.buyerAction}</strong>
                {w.done ? (
                  <div>
                    <span className="badge ok">confirmed</span>{' '}
                    {w.confirmedBy ? (
                      <span className="muted">
                        by {w.confirmedBy.name}, {formatDateTime(w.confirmedBy.at)}
                      </span>
                    ) : (
                      <span className="muted">recorded by your team</span>
                    )}
                  </div>
                ) : w.confirmable ? (
                  <Form method="post">
                    <input type="hidden" name="criterionKey" value={w.key} />
                    <button type="submit" disabled={navigation.state === 'submitting'}>
                      I confirm: {w.buyerAction.charAt(0).toLowerCase() + w.buyerAction.slice(1)}
                    </button>
                  </Form>
                ) : (
                  <div className="muted">Your team records this one (for example from the meeting record).</div>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="promises-h">
        <h2 id="promises-h">What we promised</h2>
        <PromiseList promises={plan.promises} />
      </section>
    </Frame>
  );
}

export function ErrorBoundary() {
  return (
    <Frame>
      <h1>This page could not be shown</h1>
      <p>Please try again in a moment. If it keeps happening, ask your customer success manager for a new link.</p>
    </Frame>
  );
}
