import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { FeedbackForm, FormFeedback, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { LocalTime } from '#app/components/local-time';
import { firstName } from '#app/branding/brand-rules';
import { buyerMeta, PublicFrame } from '#app/components/public-frame';
import { BuyerTasks } from '#app/components/buyer-tasks';
import { buyerTaskAction, getPlanTasks, TASK_INTENTS } from '#app/buyer-tasks/tasks.server';
import { PromiseList } from '#app/components/promise-list';
import { ConfirmSchema, confirmOnPlan, confirmRecoveryOnPlan, getPlanView, planLinkLocale } from '#app/journeys/plan.server';
import { ConfirmRecoveryPlanSchema } from '#app/recovery/buyer-plan.server';
import { BuyerDelay } from '#app/components/buyer-delay';
import { ConfirmDelaySchema, confirmDelayOnPlan } from '#app/journeys/delays.server';
import { formatDate } from '#app/i18n/format';
import { buyerPage, useLocale, useMessages } from '#app/i18n/i18n';
import { translator } from '#app/i18n/messages';
import { commonMessages } from '#app/i18n/messages/common';
import { planMessages } from '#app/i18n/messages/plan';
import { playbookText } from '#app/i18n/messages/playbook';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, readFormData } from '#app/utils/forms.server';

// The buyer's shared plan page: no login, no JavaScript needed, GET reads only.
export const meta: MetaFunction = buyerMeta(planMessages, 'metaTitle');
export const handle = buyerPage;

type Context = { clientIp?: string };

/** One answer for every bad link (unknown, expired, revoked, malformed): nothing to tell apart. */
const invalidLink = () => data({ valid: false as const }, { status: 404, headers: { 'Cache-Control': 'no-store' } });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const plan = await getPlanView({ token: params.token ?? '' });
  if (!plan) return invalidLink();
  // The buyer's tasks of this stage (docs/buyer-tasks.md), in their own component.
  const tasks = await getPlanTasks({ token: params.token ?? '' });
  return data({ valid: true as const, plan, tasks, locale: plan.locale }, { headers: { 'Cache-Control': 'no-store' } });
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const values = formValues(await readFormData(request));
  // The answer names the form (one per criterion), so it shows next to the button that was clicked.
  const form = formIdOf(values);
  const reply = (result: Omit<FormResult, 'form'>, status = 200) => data<FormResult>({ ...result, form }, { status });
  if ((TASK_INTENTS as readonly string[]).includes(values.intent)) {
    // Complete a buyer task (that is the confirmation) or comment on it (docs/buyer-tasks.md).
    const answer = await buyerTaskAction({ token: params.token ?? '', values });
    if (!answer) return invalidLink();
    return reply(answer.result, answer.status);
  }
  // The answers are in the buyer's language, like the page.
  const t = translator(planMessages, await planLinkLocale({ token: params.token ?? '' }));
  if (values.intent === 'confirm-recovery') {
    // The buyer confirms a plan agreed to fix a promise that was not kept (docs/recovery.md).
    const plan = ConfirmRecoveryPlanSchema.safeParse(values);
    if (!plan.success) return reply({ ok: false, message: t('choosePlan') }, 400);
    const confirmed = await confirmRecoveryOnPlan({ token: params.token ?? '', ...plan.data });
    if (!confirmed) return invalidLink();
    if (!confirmed.ok) return reply({ ok: false, message: t('planChanged') }, 409);
    return reply({ ok: true, message: confirmed.already ? t('planAlready') : t('planConfirmed') });
  }
  if (values.intent === 'confirm-delay') {
    // The buyer confirms the team's "waiting on you" (docs/buyer-delays.md); the message is a catalogue key.
    const delay = ConfirmDelaySchema.safeParse(values);
    if (!delay.success) return reply({ ok: false, message: 'invalid' }, 400);
    const confirmed = await confirmDelayOnPlan({ token: params.token ?? '', delayId: delay.data.delayId });
    if (!confirmed) return invalidLink();
    return confirmed.ok ? reply({ ok: true, message: confirmed.already ? 'alreadyConfirmed' : 'confirmedNow' }) : reply({ ok: false, message: confirmed.code }, 409);
  }
  const parsed = ConfirmSchema.safeParse(values);
  if (!parsed.success) return reply({ ok: false, message: t('chooseItem') }, 400);
  const result = await confirmOnPlan({ token: params.token ?? '', criterionKey: parsed.data.criterionKey });
  if (!result) return invalidLink();
  if (!result.ok) return reply({ ok: false, message: t('itemNotWaiting') }, 409);
  return reply({ ok: true, message: result.already ? t('itemAlready') : t('itemConfirmed') });
}

type Waiting = { key: string; buyerAction: string; done: boolean; confirmable: boolean; confirmedBy?: { name: string; at: string } | null };

/** One thing the plan waits for; its confirmation's answer shows in the item, where the button was. */
function WaitingItem({ item: w }: { item: Waiting }) {
  const f = useFormFeedback(`confirm-${w.key}`, { anchor: `waiting-${w.key}` });
  const t = useMessages(planMessages);
  const actionText = playbookText(useLocale(), w.buyerAction);
  return (
    <li id={`waiting-${w.key}`}>
      <strong>{actionText}</strong>
      {w.done ? (
        <div>
          <span className="badge ok">{t('badgeConfirmed')}</span>{' '}
          {w.confirmedBy ? (
            <span className="muted">
              {t('confirmedBy', { name: w.confirmedBy.name })} <LocalTime iso={w.confirmedBy.at} />
            </span>
          ) : (
            <span className="muted">{t('recordedByTeam')}</span>
          )}
          <FormFeedback feedback={f} />
        </div>
      ) : w.confirmable ? (
        <FeedbackForm feedback={f}>
          <input type="hidden" name="criterionKey" value={w.key} />
          {/* What it confirms is the heading above; a screen reader hears it with the button. */}
          <button type="submit" disabled={f.busy} aria-label={t('confirmItemFor', { action: actionText })}>
            {t('confirmItem')}
          </button>
        </FeedbackForm>
      ) : (
        <div className="muted">{t('teamRecords')}</div>
      )}
    </li>
  );
}

type RecoveryPlan = { caseId: string; promise: string; planText: string; dueBy: string; planVersion: string; confirmedAt: string | null; confirmedBy: string | null };

/** One plan agreed to fix a promise; its confirmation's answer shows in the item, where the button was. */
function RecoveryPlanItem({ plan: p }: { plan: RecoveryPlan }) {
  const f = useFormFeedback(`confirm-recovery-${p.caseId}`, { anchor: `recovery-${p.caseId}` });
  const t = useMessages(planMessages);
  const locale = useLocale();
  return (
    <li id={`recovery-${p.caseId}`}>
      <strong>{p.promise}</strong>
      <div>
        {t('whatWeWillDo', { plan: p.planText })} <span className="muted">· {t('byDate', { date: formatDate(locale, p.dueBy) })}</span>
      </div>
      {p.confirmedAt ? (
        <div>
          <span className="badge ok">{t('badgeConfirmed')}</span>{' '}
          <span className="muted">
            {t('confirmedBy', { name: p.confirmedBy })} <LocalTime iso={p.confirmedAt} />
          </span>
          <FormFeedback feedback={f} />
        </div>
      ) : (
        <FeedbackForm feedback={f}>
          <input type="hidden" name="intent" value="confirm-recovery" />
          <input type="hidden" name="caseId" value={p.caseId} />
          <input type="hidden" name="planVersion" value={p.planVersion} />
          <button type="submit" disabled={f.busy}>
            {t('confirmPlan')}
          </button>
        </FeedbackForm>
      )}
    </li>
  );
}

function Frame({ children }: { children: React.ReactNode }) {
  const t = useMessages(planMessages);
  return <PublicFrame label={t('frameLabel')}>{children}</PublicFrame>;
}

export default function PlanPage() {
  const loaded = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as { valid?: boolean } | undefined;
  const t = useMessages(planMessages);
  const locale = useLocale();
  if (!loaded.valid || actionData?.valid === false) {
    return (
      <Frame>
        <h1>{t('badLinkTitle')}</h1>
        <p>{t('badLinkBody')}</p>
      </Frame>
    );
  }
  const { plan, tasks } = loaded;
  // A criterion that is a buyer task shows as the task, not twice.
  const tasked = new Set(tasks?.tasks.map((task) => task.criterionKey) ?? []);
  const waiting = plan.waiting.filter((w) => !tasked.has(w.key));
  const open = waiting.filter((w) => !w.done);
  return (
    <Frame>
      <h1>{plan.live ? t('titleLive', { account: plan.accountName }) : t('titleStage', { account: plan.accountName, stage: playbookText(locale, plan.currentStageName) })}</h1>
      <p>
        {plan.csmName
          ? t('introWithCsm', { name: firstName(plan.contactName), account: plan.accountName, csm: plan.csmName })
          : t('intro', { name: firstName(plan.contactName), account: plan.accountName })}
      </p>

      {plan.recoveryPlans.length ? (
        <section className="panel" aria-labelledby="recovery-h">
          <h2 id="recovery-h">{t('recoveryTitle')}</h2>
          <p className="muted">{t('recoveryIntro')}</p>
          <ul className="criteria">
            {plan.recoveryPlans.map((p) => (
              <RecoveryPlanItem key={`${p.caseId}-${p.planVersion}`} plan={p} />
            ))}
          </ul>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="stages-h">
        <h2 id="stages-h">{t('stages')}</h2>
        <ol className="timeline">
          {plan.stages.map((s) => (
            <li key={s.key} className={`timeline-step ${s.state}`} aria-current={s.state === 'current' ? 'step' : undefined}>
              <div className="timeline-name">
                {playbookText(locale, s.name)}{' '}
                {s.state === 'done' ? <span className="badge ok">{t('badgeDone')}</span> : s.state === 'current' ? <span className="badge muted">{t('badgeNow')}</span> : null}
              </div>
              <div className="muted">
                {s.enteredAt ? (
                  <>
                    {t('started')} <LocalTime iso={s.enteredAt} time={false} />
                  </>
                ) : (
                  t('later')
                )}
                {s.exitedAt ? (
                  <>
                    {' '}
                    · {t('completed')} <LocalTime iso={s.exitedAt} time={false} />
                  </>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      </section>

      {plan.delay ? <BuyerDelay delay={plan.delay} csmName={plan.csmName} /> : null}

      {!plan.live && tasks?.tasks.length ? <BuyerTasks locale={tasks.locale} tasks={tasks.tasks} /> : null}

      {!plan.live && (waiting.length || !tasked.size) ? (
        <section className="panel" aria-labelledby="waiting-h">
          <h2 id="waiting-h">{open.length ? t('waitingForYou') : t('nothingWaits')}</h2>
          <ul className="criteria">
            {waiting.map((w) => (
              <WaitingItem key={w.key} item={w} />
            ))}
          </ul>
        </section>
      ) : null}

      <section className="panel" aria-labelledby="promises-h">
        <h2 id="promises-h">{t('promisesTitle')}</h2>
        <PromiseList promises={plan.promises} />
      </section>
    </Frame>
  );
}

export function ErrorBoundary() {
  const common = useMessages(commonMessages);
  const t = useMessages(planMessages);
  return (
    <Frame>
      <h1>{common('pageFailedTitle')}</h1>
      <p>{t('failedBody')}</p>
    </Frame>
  );
}
