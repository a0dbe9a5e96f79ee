import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { useEffect, useState } from 'react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';
import { Pagination } from '#app/components/pagination';
import { WorkItemList } from '#app/components/work-queue';
import { formIdOf } from '#app/utils/form-feedback.server';
import { dispatchIntent, formValues, intent, readFormData } from '#app/utils/forms.server';
import { csmName, listWorkQueue, queueOwner, snoozeItem, summariseQueues, wakeItem } from '#app/work/work.server';
import { overdueLabel, snoozeFormSchema, WakeFormSchema, WorkQuerySchema } from '#app/work/work-rules';

export const meta: MetaFunction = () => [{ title: 'Work queue · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'work.view' });
  const query = WorkQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const owner = queueOwner(user, query);
  if (!owner) return { mode: 'summary' as const, summaries: await summariseQueues(), today: new Date().toISOString().slice(0, 10) };
  const name = owner === user.id ? user.name : await csmName(owner);
  if (!name) throw new Response('That CS user was not found.', { status: 404 });
  const queue = await listWorkQueue({ csmId: owner, query });
  return { mode: 'queue' as const, own: owner === user.id, name, csm: query.csm ?? null, queue, today: new Date().toISOString().slice(0, 10) };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'work.snooze' });
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const reply = (result: { ok: true; message: string } | { ok: false; error: string }) =>
    data<FormResult>(result.ok ? { ok: true, message: result.message, form } : { ok: false, message: result.error, form }, { status: result.ok ? 200 : 409 });
  const now = new Date();
  return dispatchIntent(
    formData,
    {
      snooze: intent(snoozeFormSchema(now), async (input) => reply(await snoozeItem({ user, input, now }))),
      wake: intent(WakeFormSchema, async (input) => reply(await wakeItem({ user, ...input, now }))),
    },
    { form },
  );
}

export default function WorkQueue() {
  const page = useLoaderData<typeof loader>();
  // A snoozed item leaves the list with its form: what happened is said at the top of the list.
  const actionData = useActionData<FormResult>();
  const [done, setDone] = useState<string | null>(null);
  const said = done ?? (actionData?.ok ? (actionData.message ?? null) : null);
  const view = page.mode === 'queue' ? page.queue.view : null;
  // Another tab or page of the queue: the message was about the list left behind.
  useEffect(() => setDone(null), [view]);
  if (page.mode === 'summary') return <Summary summaries={page.summaries} />;
  const { queue, own, name, csm, today } = page;
  const base = csm ? `?csm=${csm}` : '?';
  const sep = csm ? '&' : '';
  return (
    <>
      <div className="page-header">
        <div>
          {!own ? (
            <p className="muted">
              <Link to="/work">Every CSM’s queue</Link>
            </p>
          ) : null}
          <h1>{own ? 'Your work queue' : `${name}’s work queue`}</h1>
        </div>
      </div>
      <p>
        What waits for {own ? 'you' : name}: recovery cases, buyer confirmations, journeys at risk or stalled, surveys that need another contact or wait for go-live. Most ARR at
        stake and longest overdue first.
      </p>
      <nav className="tabs" aria-label="Queue views">
        <Link to={`${base}${sep}view=open`} aria-current={queue.view === 'open' ? 'page' : undefined} data-testid="work-open-tab">
          Waiting ({queue.openCount})
        </Link>{' '}
        <Link to={`${base}${sep}view=snoozed`} aria-current={queue.view === 'snoozed' ? 'page' : undefined} data-testid="work-snoozed-tab">
          Snoozed ({queue.snoozedCount})
        </Link>
      </nav>
      {said ? (
        <p className="notice" role="status" data-testid="work-done">
          {said}
        </p>
      ) : null}
      {queue.items.length === 0 ? (
        <p className="empty" data-testid="work-empty">
          {queue.view === 'snoozed'
            ? 'Nothing is snoozed.'
            : own
              ? 'Nothing waits for you: no open recovery case, no buyer confirmation overdue, no journey at risk, no survey to fix.'
              : `Nothing waits for ${name}.`}
        </p>
      ) : (
        <WorkItemList items={queue.items} renderExtra={own ? (item) => <SnoozeControls item={item} today={today} onDone={setDone} /> : undefined} />
      )}
      <Pagination page={queue.page} pages={queue.pages} total={queue.total} noun="item" />
    </>
  );
}

type Item = Parameters<typeof WorkItemList>[0]['items'][number];

/** The day a snooze was chosen until (it is stored as the end of that day). */
const lastDay = (until: string) => new Date(Date.parse(until) - 1).toISOString().slice(0, 10);

function SnoozeControls({ item, today, onDone }: { item: Item; today: string; onDone: (message: string) => void }) {
  const key = `${item.kind}-${item.itemId}`;
  const snooze = useFormFeedback(`snooze-${key}`);
  const wake = useFormFeedback(`wake-${key}`);
  const message = snooze.result?.ok ? snooze.result.message : wake.result?.ok ? wake.result.message : undefined;
  useEffect(() => {
    if (message) onDone(message);
  }, [message, onDone]);
  if (item.snoozed) {
    return (
      <FeedbackForm feedback={wake}>
        <p className="muted">
          Snoozed through {lastDay(item.snoozed.until)}: {item.snoozed.reason}
        </p>
        <input type="hidden" name="intent" value="wake" />
        <input type="hidden" name="kind" value={item.kind} />
        <input type="hidden" name="itemId" value={item.itemId} />
        <button type="submit" className="button small secondary" disabled={wake.busy}>
          Bring back now
        </button>
      </FeedbackForm>
    );
  }
  const failed = snooze.result && !snooze.result.ok;
  return (
    <details open={failed ? true : undefined}>
      <summary>Snooze</summary>
      <FeedbackForm feedback={snooze}>
        <input type="hidden" name="intent" value="snooze" />
        <input type="hidden" name="kind" value={item.kind} />
        <input type="hidden" name="itemId" value={item.itemId} />
        <Field label="Until" type="date" min={today} required {...snooze.field('until')} />
        <Field label="Why it can wait" required maxLength={500} {...snooze.field('reason')} />
        <button type="submit" className="button small secondary" disabled={snooze.busy}>
          Snooze
        </button>
      </FeedbackForm>
    </details>
  );
}

function Summary({
  summaries,
}: {
  summaries: { id: string; name: string; count: number; snoozed: number; oldest: { what: string; accountName: string; daysOverdue: number } | null }[];
}) {
  return (
    <>
      <div className="page-header">
        <h1>Work queues</h1>
      </div>
      <p>What waits for each CSM (snoozed items not counted), and the item that has waited longest. Open a queue to see it ranked.</p>
      {summaries.length === 0 ? (
        <p className="empty">There are no CS users yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="work-summary">
            <thead>
              <tr>
                <th>CSM</th>
                <th className="num">Waiting</th>
                <th className="num">Snoozed</th>
                <th>Oldest item</th>
              </tr>
            </thead>
            <tbody>
              {summaries.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/work?csm=${s.id}`}>{s.name}</Link>
                  </td>
                  <td className="num">{s.count.toLocaleString('en-US')}</td>
                  <td className="num">{s.snoozed.toLocaleString('en-US')}</td>
                  <td>
                    {s.oldest ? (
                      <>
                        {s.oldest.what} · {s.oldest.accountName} <span className="muted">({overdueLabel(s.oldest.daysOverdue)})</span>
                      </>
                    ) : (
                      <span className="muted">Nothing waits</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
