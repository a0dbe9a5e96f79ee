// The buyer's tasks on the shared plan page (docs/buyer-tasks.md): what the buyer owes in this stage,
// by when, who on their side owns it, a button to mark it done (that is their confirmation) and a
// comment thread with the vendor's team. Every text comes from the tasks catalogue in the buyer's
// language; comments are plain text (React escapes them). Works without JavaScript.
import { FeedbackForm, FormFeedback, useFormFeedback } from '#app/components/form-feedback';
import { TextareaField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { COMMENT_MAX, type TaskState } from '#app/buyer-tasks/task-rules';
import { formatDate } from '#app/i18n/format';
import { LocaleProvider, useLocale, useMessages } from '#app/i18n/i18n';
import type { Locale } from '#app/i18n/locales';
import { playbookText } from '#app/i18n/messages/playbook';
import { taskMessages } from '#app/i18n/messages/tasks';

export type PlanTask = {
  id: string;
  title: string;
  state: TaskState;
  dueAt: string;
  owners: string[];
  mine: boolean;
  doneAt: string | null;
  doneVia: string | null;
  doneByName: string | null;
  comments: { side: 'buyer' | 'staff'; authorName: string; text: string; at: string }[];
};

const STATE_BADGE: Record<TaskState, { badge: string; key: 'stateOpen' | 'stateDueSoon' | 'stateOverdue' | 'stateDone' }> = {
  open: { badge: 'muted', key: 'stateOpen' },
  due_soon: { badge: 'warn', key: 'stateDueSoon' },
  overdue: { badge: 'bad', key: 'stateOverdue' },
  done: { badge: 'ok', key: 'stateDone' },
};

/** The section of the plan page; `tasks` from getPlanTasks (app/buyer-tasks/tasks.server.ts). */
export function BuyerTasks({ locale, tasks }: { locale: Locale; tasks: PlanTask[] }) {
  return (
    <LocaleProvider locale={locale}>
      <TaskSection tasks={tasks} />
    </LocaleProvider>
  );
}

function TaskSection({ tasks }: { tasks: PlanTask[] }) {
  const t = useMessages(taskMessages);
  return (
    <section className="panel" aria-labelledby="tasks-h" id="tasks">
      <h2 id="tasks-h">{t('heading')}</h2>
      {tasks.length ? (
        <>
          <p className="muted">{t('intro')}</p>
          <ul className="criteria">
            {tasks.map((task) => (
              <TaskItem key={task.id} task={task} />
            ))}
          </ul>
        </>
      ) : (
        <p className="muted">{t('empty')}</p>
      )}
    </section>
  );
}

function TaskItem({ task }: { task: PlanTask }) {
  const t = useMessages(taskMessages);
  const locale = useLocale();
  const date = (iso: string) => formatDate(locale, iso);
  const complete = useFormFeedback(`task-complete-${task.id}`, { anchor: `task-${task.id}` });
  const comment = useFormFeedback(`task-comment-${task.id}`, { anchor: `task-${task.id}` });
  const state = STATE_BADGE[task.state];
  const title = playbookText(locale, task.title);
  return (
    <li id={`task-${task.id}`} className="buyer-task">
      <strong>{title}</strong> <span className={`badge ${state.badge}`}>{t(state.key)}</span>
      <div className="muted">
        {t('due', { date: date(task.dueAt) })} · {task.owners.length ? t('owners', { count: task.owners.length, names: task.owners.join(', ') }) : t('noOwner')}
        {task.mine ? ` (${t('youOwn')})` : ''}
      </div>
      {task.state === 'done' && task.doneAt ? (
        <>
          <div className="muted">
            {task.doneVia === 'buyer' && task.doneByName ? (
              // When the buyer did it: the moment, in their own time zone, as a confirmation on the plan shows it.
              <>
                {t('doneBy', { name: task.doneByName })} <LocalTime iso={task.doneAt} />
              </>
            ) : task.doneVia === 'stage_left' ? (
              t('closedWithStage', { date: date(task.doneAt) })
            ) : (
              t('doneByTeam', { date: date(task.doneAt) })
            )}
          </div>
          {/* The answer to the confirmation stays where its button was. */}
          <FormFeedback feedback={complete} />
        </>
      ) : null}
      {task.state !== 'done' ? (
        <FeedbackForm feedback={complete}>
          <input type="hidden" name="intent" value="task-complete" />
          <input type="hidden" name="taskId" value={task.id} />
          {/* The task's title is above; a screen reader hears it with the button. */}
          <button type="submit" disabled={complete.busy} aria-label={t('completeFor', { action: title })}>
            {t('complete')}
          </button>
        </FeedbackForm>
      ) : null}
      <details open={task.comments.length > 0 || Boolean(comment.result)}>
        <summary>{t('comments', { count: task.comments.length })}</summary>
        {task.comments.length ? (
          <ul className="evidence">
            {task.comments.map((c, i) => (
              <li key={i}>
                <span className="muted">
                  {c.side === 'staff' ? `${c.authorName} (${t('fromTeam')})` : c.authorName}, {date(c.at)}:
                </span>{' '}
                <span className="task-comment" style={{ whiteSpace: 'pre-wrap' }}>
                  {c.text}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
        <FeedbackForm feedback={comment} className="stack">
          <input type="hidden" name="intent" value="task-comment" />
          <input type="hidden" name="taskId" value={task.id} />
          <TextareaField label={t('commentLabel')} hint={t('commentHint', { max: COMMENT_MAX })} rows={2} maxLength={COMMENT_MAX} required {...comment.field('text')} />
          <div>
            <button type="submit" className="secondary" disabled={comment.busy}>
              {t('commentSend')}
            </button>
          </div>
        </FeedbackForm>
      </details>
    </li>
  );
}
