// One journey: its stages and evidence, the forms that work the current stage, owners, promises
// and the audit trail. The panels sit beside this file; the action dispatches each form's intent.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { may } from '#app/auth/permissions';
import { rateLimit } from '#app/auth/rate-limit.server';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { PromiseList } from '#app/components/promise-list';
import {
  acceptHandoff,
  AdvanceFormSchema,
  advanceJourney,
  attachEvidence,
  CsmFormSchema,
  EvidenceFormSchema,
  getJourneyDetail,
  listActiveCsUsers,
  listOwnerCandidates,
  OwnersFormSchema,
  RetractFormSchema,
  retractEvidence,
  setJourneyCsm,
  setStageOwners,
} from '#app/journeys/journey.server';
import { RequestConfirmationSchema, requestBuyerConfirmation } from '#app/journeys/plan.server';
import { EndDelaySchema, MarkDelaySchema, endDelay, markDelay } from '#app/journeys/delays.server';
import { HEALTH_BADGE } from '#app/journeys/journey-rules';
import {
  commentAsStaff,
  getJourneyTasks,
  setTaskDue,
  setTaskOwners,
  TaskCommentSchema,
  TaskDueSchema,
  TaskOwnersFieldsSchema,
  parseTaskOwners,
} from '#app/buyer-tasks/tasks.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { NoFields, dispatchIntent, formValues, intent, notFound, readFormData } from '#app/utils/forms.server';
import { DelayPanel, SlaPauseBadge } from './delay';
import { JourneyFacts } from './facts';
import { BuyerTasksPanel } from './buyer-tasks';
import { AuditTrail, ConfirmationRequests } from './history';
import { OwnersPanel } from './owners';
import { CurrentStagePanel, EarlierStagesPanel } from './stage-panels';
import { Timeline } from './timeline';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.journey.accountName ?? 'Journey'} · Journey · Kept` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const journey = await getJourneyDetail({ user, journeyId: params.journeyId ?? '' });
  if (!journey) notFound('That journey');
  const canWrite = may(user.role, 'journeys.work');
  const [staff, csUsers] = canWrite ? await Promise.all([listOwnerCandidates(), listActiveCsUsers()]) : [[], []];
  const buyerTasks = await getJourneyTasks({ journeyId: params.journeyId ?? '' });
  return { journey, canWrite, isAdmin: user.role === 'admin', staff, csUsers, buyerTasks };
}

type ServiceOutcome = { ok: boolean; status?: number; message?: string; errors?: Record<string, string[] | undefined>; missing?: { key: string; text: string }[] } | null;

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'journeys.work' });
  const journeyId = params.journeyId ?? '';
  const formData = await readFormData(request);
  const values = formValues(formData);
  // Each answer names the form it belongs to (`form`), so the page shows it next to that form.
  const form = formIdOf(values);
  const reply = (result: Omit<FormResult, 'form'>, status = 200) => data<FormResult>({ ...result, form }, { status });
  const outcome = (result: ServiceOutcome, message: string) => {
    if (!result) notFound('That journey');
    if (result.ok) return reply({ ok: true, message });
    return reply({ ok: false, message: result.message, errors: result.errors, missing: result.missing, values }, result.status ?? 400);
  };
  return dispatchIntent(
    formData,
    {
      evidence: intent(EvidenceFormSchema, async (input) => {
        const result = await attachEvidence({ user, journeyId, input });
        const note =
          result?.ok && !result.meets
            ? `Link attached as a note. “${result.criterionText}” is met only when the buyer confirms on the shared plan page: send them a confirmation request.`
            : '';
        return outcome(result, note || 'Evidence attached.');
      }),
      retract: intent(RetractFormSchema, async (input) =>
        outcome(await retractEvidence({ user, journeyId, input }), 'Evidence retracted. It stays on the record, struck through, with your reason.'),
      ),
      accept: intent(NoFields, async () => outcome(await acceptHandoff({ user, journeyId }), 'Handoff accepted.')),
      advance: intent(AdvanceFormSchema, async (input) => {
        const result = await advanceJourney({ user, journeyId, fromStage: input.fromStage, overrideReason: input.overrideReason });
        if (result?.ok)
          return reply({
            ok: true,
            message: result.live ? 'The customer is live. Go-live date recorded.' : `Moved to the next stage${result.overridden ? ' by override (audited)' : ''}.`,
          });
        return outcome(result, '');
      }),
      'request-confirmation': intent(RequestConfirmationSchema, async (input) => {
        await rateLimit('emailAction', user.id);
        const result = await requestBuyerConfirmation({ user, journeyId, contactId: input.contactId });
        return outcome(result, result?.ok ? `Confirmation request sent to ${result.to}.` : '');
      }),
      owners: intent(OwnersFormSchema, async (input) => outcome(await setStageOwners({ user, journeyId, input }), 'Owners updated.')),
      // Buyer tasks (docs/buyer-tasks.md): owners on the buyer's side, due date, a comment to the buyer.
      'task-owners': intent(TaskOwnersFieldsSchema, async (input) => {
        // Several checkboxes share the name: read them all (formValues keeps one).
        const owners = parseTaskOwners(input.taskId, formData.getAll('ownerIds'));
        if (!owners.ok) return reply({ ok: false, errors: owners.errors, values }, 400);
        return outcome(await setTaskOwners({ user, journeyId, input: owners.data }), 'Owners saved.');
      }),
      'task-due': intent(TaskDueSchema, async (input) => outcome(await setTaskDue({ user, journeyId, input }), 'Due date saved.')),
      'task-comment': intent(TaskCommentSchema, async (input) => outcome(await commentAsStaff({ user, journeyId, input }), 'Comment added: the buyer sees it on the plan page.')),
      csm: intent(CsmFormSchema, async (input) => outcome(await setJourneyCsm({ user, journeyId, csmId: input.csmId }), 'CSM changed.')),
      'mark-delay': intent(MarkDelaySchema, async (input) =>
        outcome(await markDelay({ user, journeyId, input }), 'Marked as waiting on the customer. The SLA clock pauses once the buyer confirms it on the shared plan page.'),
      ),
      'end-delay': intent(EndDelaySchema, async (input) => outcome(await endDelay({ user, journeyId, input }), 'Delay ended: the SLA clock runs again.')),
    },
    { form },
  );
}

export default function JourneyPage() {
  const { journey, canWrite, isAdmin, staff, csUsers, buyerTasks } = useLoaderData<typeof loader>();
  // These two forms disappear when they succeed, so their state lives here (see CurrentStagePanel).
  const accept = useFormFeedback('accept');
  const advance = useFormFeedback('advance');
  return (
    <>
      <p>
        <Link to="/journeys">← Journeys</Link>
      </p>
      <div className="page-header">
        <div>
          <h1>
            {journey.accountName} <span className="muted">· {journey.dealName}</span>
          </h1>
          <p>
            <span className="badge muted">{journey.stageName}</span> {/* A live journey's health is its stage: one "Live" badge, not two. */}
            {journey.healthLabel !== journey.stageName ? <span className={`badge ${HEALTH_BADGE[journey.health]}`}>{journey.healthLabel}</span> : null}{' '}
            <SlaPauseBadge journey={journey} />{' '}
            {journey.overrideCount > 0 ? (
              <span className="badge bad">
                {journey.overrideCount} override{journey.overrideCount > 1 ? 's' : ''}
              </span>
            ) : null}{' '}
            <span className="muted">
              Playbook “{journey.playbookName}” v{journey.playbookVersion}
              {journey.playbookVersion !== journey.currentPlaybookVersion ? ` (current is v${journey.currentPlaybookVersion}; this journey keeps the version it started with)` : ''}
            </span>
          </p>
        </div>
      </div>

      <JourneyFacts journey={journey} />

      <section className="panel" aria-labelledby="timeline-h">
        <h2 id="timeline-h">Stages</h2>
        <Timeline journey={journey} />
      </section>

      <DelayPanel journey={journey} canWrite={canWrite} />
      <CurrentStagePanel journey={journey} canWrite={canWrite} isAdmin={isAdmin} accept={accept} advance={advance} />
      <EarlierStagesPanel journey={journey} canWrite={canWrite} />
      <BuyerTasksPanel data={buyerTasks} canWrite={canWrite} />

      <div className="grid-2">
        <OwnersPanel journey={journey} canWrite={canWrite} staff={staff} csUsers={csUsers} />
        <section className="panel" aria-labelledby="promises-h">
          <h2 id="promises-h">Promises made in the sale</h2>
          <PromiseList promises={journey.promises} />
        </section>
      </div>

      <ConfirmationRequests journey={journey} />
      <AuditTrail journey={journey} />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
