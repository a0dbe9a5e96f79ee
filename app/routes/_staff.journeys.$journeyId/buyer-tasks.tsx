// Who on the buyer's side owes what, and since when (docs/buyer-tasks.md): one compact row per buyer
// task, and per task a form for its owners, due date and a comment to the buyer (all audited).
import { FeedbackForm, useFormFeedback } from '#app/components/form-feedback';
import { Field, SelectField, TextareaField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { COMMENT_MAX, type TaskState } from '#app/buyer-tasks/task-rules';

type Contact = { id: string; name: string; email: string; emailStatus: string };
type Task = {
  id: string;
  title: string;
  stageName: string;
  current: boolean;
  state: TaskState;
  owners: { id: string; name: string }[];
  openedAt: string;
  openDays: number;
  dueAt: string;
  dueSetBy: 'sla' | 'cs';
  doneAt: string | null;
  doneVia: string | null;
  doneByName: string | null;
  comments: { side: 'buyer' | 'staff'; authorName: string; text: string; at: string }[];
};
export type JourneyTasks = { contacts: Contact[]; tasks: Task[] };

const STATE: Record<TaskState, [string, string]> = {
  open: ['muted', 'open'],
  due_soon: ['warn', 'due soon'],
  overdue: ['bad', 'overdue'],
  done: ['ok', 'done'],
};

function Status({ task }: { task: Task }) {
  const [badge, label] = STATE[task.state];
  if (task.state !== 'done') {
    return (
      <>
        <span className={`badge ${badge}`}>{label}</span>{' '}
        <span className="muted">
          since <LocalTime iso={task.openedAt} time={false} /> ({task.openDays} {task.openDays === 1 ? 'day' : 'days'})
        </span>
      </>
    );
  }
  const how = task.doneVia === 'buyer' ? `by ${task.doneByName ?? 'the buyer'}` : task.doneVia === 'stage_left' ? 'closed with the stage' : 'evidence recorded';
  return (
    <>
      <span className={`badge ${badge}`}>{label}</span>{' '}
      <span className="muted">
        <LocalTime iso={task.doneAt} time={false} />, {how}
      </span>
    </>
  );
}

export function BuyerTasksPanel({ data, canWrite }: { data: JourneyTasks | null; canWrite: boolean }) {
  if (!data) return null;
  const { tasks, contacts } = data;
  return (
    <section className="panel" aria-labelledby="buyer-tasks-h" id="buyer-tasks">
      <h2 id="buyer-tasks-h">Tasks on the customer’s side</h2>
      {tasks.length === 0 ? (
        <p className="muted">No buyer tasks yet. A stage's criteria the buyer confirms become tasks when the stage starts.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>Task</th>
                <th>Owed by</th>
                <th>Due</th>
                <th>Status</th>
                <th>Comments</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((task) => (
                <tr key={task.id}>
                  <td>
                    {task.title}
                    <div className="muted">{task.stageName}</div>
                  </td>
                  <td>{task.owners.length ? task.owners.map((o) => o.name).join(', ') : <span className="badge warn">nobody</span>}</td>
                  <td>
                    <LocalTime iso={task.dueAt} time={false} />
                    {task.dueSetBy === 'cs' ? <span className="muted"> (set by CS)</span> : null}
                  </td>
                  <td>
                    <Status task={task} />
                  </td>
                  <td>{task.comments.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tasks.map((task) => (
        <details key={task.id} id={`buyer-task-${task.id}`}>
          <summary>
            {task.title}{' '}
            <span className="muted">
              · {task.comments.length ? `${task.comments.length} comment(s)` : 'no comments'}
              {canWrite ? ', change owners or due date' : ''}
            </span>
          </summary>
          {task.comments.length ? (
            <ul className="evidence">
              {task.comments.map((c, i) => (
                <li key={i}>
                  <span className="muted">
                    {c.authorName} ({c.side === 'buyer' ? 'buyer' : 'team'}), <LocalTime iso={c.at} />:
                  </span>{' '}
                  <span style={{ whiteSpace: 'pre-wrap' }}>{c.text}</span>
                </li>
              ))}
            </ul>
          ) : null}
          {canWrite ? <TaskForms task={task} contacts={contacts} /> : null}
        </details>
      ))}
    </section>
  );
}

function TaskForms({ task, contacts }: { task: Task; contacts: Contact[] }) {
  const owners = useFormFeedback(`task-owners-${task.id}`, { reset: false, anchor: `buyer-task-${task.id}` });
  const due = useFormFeedback(`task-due-${task.id}`, { reset: false, anchor: `buyer-task-${task.id}` });
  const comment = useFormFeedback(`task-comment-${task.id}`, { anchor: `buyer-task-${task.id}` });
  const ownerErrors = owners.result && !owners.result.ok ? owners.result.errors?.ownerIds : undefined;
  return (
    <div className="grid-2">
      <FeedbackForm feedback={owners} className="stack">
        <input type="hidden" name="intent" value="task-owners" />
        <input type="hidden" name="taskId" value={task.id} />
        {contacts.length === 0 ? (
          <p className="muted">This account has no contacts yet: add one on the account page.</p>
        ) : (
          <SelectField
            label="Owed by"
            hint="Contacts of the account; choose several with Ctrl or Cmd. None: nobody is reminded."
            name="ownerIds"
            id={`task-owners-${task.id}-ownerIds`}
            multiple
            size={Math.min(6, Math.max(2, contacts.length))}
            defaultValue={task.owners.map((o) => o.id)}
            errors={ownerErrors}
          >
            {contacts.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} · {c.email}
                {c.emailStatus !== 'ok' ? ` (${c.emailStatus}: no reminders)` : ''}
              </option>
            ))}
          </SelectField>
        )}
        <div>
          <button type="submit" className="secondary" disabled={owners.busy}>
            Save owners
          </button>
        </div>
      </FeedbackForm>
      <div className="stack">
        <FeedbackForm feedback={due} className="stack">
          <input type="hidden" name="intent" value="task-due" />
          <input type="hidden" name="taskId" value={task.id} />
          <Field label="Due date" type="date" required {...due.field('dueOn', task.dueAt.slice(0, 10))} />
          <div>
            <button type="submit" className="secondary" disabled={due.busy}>
              Set due date
            </button>
          </div>
        </FeedbackForm>
        <FeedbackForm feedback={comment} className="stack">
          <input type="hidden" name="intent" value="task-comment" />
          <input type="hidden" name="taskId" value={task.id} />
          <TextareaField
            label="Comment"
            hint={`Plain text, up to ${COMMENT_MAX} characters. The buyer sees it on the plan page.`}
            rows={2}
            maxLength={COMMENT_MAX}
            required
            {...comment.field('text')}
          />
          <div>
            <button type="submit" className="secondary" disabled={comment.busy}>
              Add comment
            </button>
          </div>
        </FeedbackForm>
      </div>
    </div>
  );
}
