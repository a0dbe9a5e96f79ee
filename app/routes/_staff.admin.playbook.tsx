import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data as reply, redirect } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { Field, SelectField } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import { countJourneysByPlaybook, countJourneysByPlaybookVersion, migrateJourneysToCurrentPlaybook } from '#app/journeys/journey.server';
import {
  createPlaybook,
  CreatePlaybookSchema,
  flagPlaybook,
  getCurrentPlaybook,
  listPlaybooks,
  listPlaybookVersions,
  MigrateSchema,
  parsePlaybookForm,
  PlaybookProfileSchema,
  publishPlaybook,
  savePlaybookProfile,
} from '#app/journeys/playbook.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { fieldErrors, formValues, notFound, readFormData } from '#app/utils/forms.server';
import { plural, SEGMENT_LABELS } from '#app/utils/format';
import { EVIDENCE_LABELS, EVIDENCE_TYPES } from '#app/journeys/journey-rules';
import { DEFAULT_PLAYBOOK_KEY, MAX_CRITERIA, MAX_STAGES, servedSegments } from '#app/journeys/playbook-rules';

const SEGMENTS = Object.keys(SEGMENT_LABELS);

export const meta: MetaFunction = () => [{ title: 'Playbooks · Kept' }];

/** `?playbook=<key>` chooses the playbook to edit (default: the default playbook); `created=1` right after creating it. */
const EditorQuerySchema = z.object({
  playbook: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/)
    .catch(DEFAULT_PLAYBOOK_KEY)
    .default(DEFAULT_PLAYBOOK_KEY),
  created: z.enum(['1']).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'playbook.edit' });
  const query = EditorQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [playbooks, perPlaybook] = await Promise.all([listPlaybooks(), countJourneysByPlaybook()]);
  const chosen = playbooks.find((p) => p.key === query.playbook);
  if (!chosen) notFound('That playbook');
  const [playbook, versions, perVersion] = await Promise.all([getCurrentPlaybook(chosen.key), listPlaybookVersions(chosen.key), countJourneysByPlaybookVersion(chosen.key)]);
  const served = servedSegments(playbooks, SEGMENTS);
  return {
    playbook,
    chosen,
    created: query.created === '1',
    playbooks: await Promise.all(
      playbooks.map(async (p) => ({
        ...p,
        served: served.get(p.key) ?? [],
        version: p.key === chosen.key ? playbook.version : (await getCurrentPlaybook(p.key)).version,
        journeys: perPlaybook.get(p.key) ?? 0,
      })),
    ),
    flags: flagPlaybook(playbook.stages),
    versions: versions.map((v) => ({ ...v, journeys: perVersion.get(v.version) ?? 0 })),
  };
}

// Each answer names the form it belongs to (`form`): the new-playbook form, the name and segments,
// the stage editor or one version's migrate button.
type ActionData = FormResult & { errors?: Record<string, string[]>; flags?: Record<string, string[]> };

const PlaybookField = z.object({
  playbook: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/)
    .catch(DEFAULT_PLAYBOOK_KEY)
    .default(DEFAULT_PLAYBOOK_KEY),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'playbook.edit' });
  const values = formValues(await readFormData(request));
  const form = formIdOf(values);
  const data = (result: ActionData, init?: { status: number }) => reply<ActionData>({ ...result, form }, init);
  const refuse = (errors: Record<string, string[]>) => data({ ok: false, errors, values }, { status: 400 });
  const { playbook: playbookKey } = PlaybookField.parse(values);
  if (values.intent === 'create') {
    const parsed = CreatePlaybookSchema.safeParse(values);
    if (!parsed.success) return refuse(fieldErrors(parsed.error));
    const result = await createPlaybook({ user, input: parsed.data });
    if (!result.ok) return refuse(result.errors);
    return redirect(`/admin/playbook?playbook=${result.key}&created=1`);
  }
  if (values.intent === 'profile') {
    const parsed = PlaybookProfileSchema.safeParse(values);
    if (!parsed.success) return refuse(fieldErrors(parsed.error));
    const result = await savePlaybookProfile({ user, key: playbookKey, input: parsed.data });
    if (!result.ok) return refuse(result.errors);
    const segments = result.segments.map((s) => SEGMENT_LABELS[s] ?? s).join(', ');
    return data({
      ok: true,
      message: `Saved. New journeys ${segments ? `in ${segments} ` : ''}${playbookKey === DEFAULT_PLAYBOOK_KEY ? `${segments ? 'and ' : ''}in every segment no other playbook claims ` : ''}start on “${result.name}”; journeys under way keep their playbook.`,
    });
  }
  if (values.intent === 'migrate') {
    const parsed = MigrateSchema.safeParse(values);
    if (!parsed.success) return refuse(fieldErrors(parsed.error));
    const { fromVersion } = parsed.data;
    const result = await migrateJourneysToCurrentPlaybook({ user, playbookKey, fromVersion });
    return data({
      ok: true,
      message: `${plural(result.migrated, 'journey')} moved from v${fromVersion} to the current version; ${plural(result.kept, 'journey')} ${result.kept === 1 ? 'stays' : 'stay'} on v${fromVersion} (their stage no longer exists).`,
    });
  }
  const parsed = parsePlaybookForm(values);
  if (Object.keys(parsed.check.errors).length) return data({ ok: false, errors: parsed.check.errors, flags: parsed.check.flags, values }, { status: 400 });
  const result = await publishPlaybook({ user, playbookKey, stages: parsed.stages, note: parsed.note, baseVersion: parsed.baseVersion });
  if (!result.ok) return data({ ok: false, errors: { '': [result.error] }, values }, { status: 409 });
  const flagged = Object.keys(parsed.check.flags).length;
  return data({
    ok: true,
    message: `Version ${result.version} published: new journeys start on it; journeys under way keep their version.${flagged ? ` ${plural(flagged, 'remark')} on the criteria ${flagged === 1 ? 'is' : 'are'} shown below.` : ''}`,
  });
}

export default function PlaybookEditor() {
  const { playbook, chosen, created, playbooks, flags: storedFlags, versions } = useLoaderData<typeof loader>();
  // The editor's result shows under its Publish button (see app/components/form-feedback.tsx).
  const publish = useFormFeedback('publish');
  const actionData = publish.result as ActionData | undefined;
  const errors = actionData?.errors ?? {};
  const flags = actionData?.flags ?? storedFlags;
  const kept = actionData && !actionData.ok ? actionData.values : undefined;
  const v = (name: string, fallback: string) => kept?.[name] ?? fallback;
  const open = playbook.stages.filter((s) => !s.terminal);
  const terminal = playbook.stages.find((s) => s.terminal);
  // Existing stages, then one empty stage slot; each stage shows its criteria and empty rows up to the limit.
  const stageSlots = Math.min(MAX_STAGES, open.length + 1);
  const note = (key: string) =>
    [...(errors[key] ?? []).map((m) => ({ m, bad: true })), ...(flags[key] ?? []).map((m) => ({ m, bad: false }))].map(({ m, bad }) => (
      <p key={m} className={bad ? 'field-error' : 'hint'}>
        {bad ? '' : '⚠ '}
        {m}
      </p>
    ));
  return (
    <>
      <h1>Post-sale playbooks</h1>
      <p>
        A deal’s segment chooses the playbook its journey starts on: the playbook that serves the segment, else the default one. Journeys keep the playbook and version they started
        with.
      </p>
      <PlaybookList playbooks={playbooks} chosenKey={chosen.key} />
      <CreatePlaybookForm playbooks={playbooks} />

      <h2 id="editing">Editing “{chosen.name}”</h2>
      {created ? (
        <p className="notice" role="status">
          “{chosen.name}” was created as a copy of another playbook’s stages: change them below and publish.
        </p>
      ) : null}
      <ProfileForm key={chosen.key} chosen={chosen} />
      <h3>Stages</h3>
      <p>
        The stages every closed-won customer on this playbook goes through, with the exit criteria the server checks before a journey moves on. Good criteria are{' '}
        <strong>required</strong>, <strong>factual</strong>, <strong>inspectable</strong> (they name the evidence) and <strong>buyer-centric</strong> (they say what the buyer did).
        Saving publishes version {playbook.version + 1}; journeys under way keep the version they started with.
      </p>
      {/* Keyed by version: after a publish the fields show the new version, not what was typed into the old one. */}
      <FeedbackForm feedback={publish} key={`${chosen.key}@${playbook.version}`} className="stack" style={{ maxWidth: 'none' }}>
        <input type="hidden" name="baseVersion" value={playbook.version} />
        <input type="hidden" name="playbook" value={chosen.key} />
        {Array.from({ length: stageSlots }, (_, n) => {
          const stage = open[n];
          const p = `stages.${n}`;
          const rows = Math.min(MAX_CRITERIA, (stage?.criteria.length ?? 0) + 2);
          return (
            <fieldset key={n} className="panel">
              <legend>{stage ? `Stage ${n + 1}: ${stage.name}` : 'Add a stage (leave empty to skip)'}</legend>
              {stage ? <input type="hidden" name={`${p}.key`} value={stage.key} /> : null}
              <div className="row">
                <div className="field">
                  <label htmlFor={`publish-${p}.name`}>Stage name</label>
                  <input id={`publish-${p}.name`} name={`${p}.name`} defaultValue={v(`${p}.name`, stage?.name ?? '')} aria-invalid={errors[`${p}.name`] ? true : undefined} />
                  {note(`${p}.name`)}
                </div>
                <div className="field">
                  <label htmlFor={`publish-${p}.slaDays`}>SLA (days)</label>
                  <input
                    id={`publish-${p}.slaDays`}
                    name={`${p}.slaDays`}
                    type="number"
                    min={1}
                    max={365}
                    defaultValue={v(`${p}.slaDays`, stage?.slaDays ? String(stage.slaDays) : '')}
                    aria-invalid={errors[`${p}.slaDays`] ? true : undefined}
                  />
                  {note(`${p}.slaDays`)}
                </div>
                <div className="field">
                  <label htmlFor={`publish-${p}.order`}>Position</label>
                  <input id={`publish-${p}.order`} name={`${p}.order`} type="number" min={1} max={MAX_STAGES} defaultValue={v(`${p}.order`, String(n + 1))} />
                </div>
                {stage ? (
                  <label>
                    <input type="checkbox" name={`${p}.remove`} defaultChecked={kept?.[`${p}.remove`] === 'on'} /> Remove this stage
                  </label>
                ) : null}
              </div>
              <div id={`publish-${p}.criteria`} tabIndex={-1}>
                {note(`${p}.criteria`)}
              </div>
              <table>
                <thead>
                  <tr>
                    <th>Exit criterion (what is true)</th>
                    <th>Buyer action (what the buyer does)</th>
                    <th>Evidence</th>
                    <th>Required</th>
                  </tr>
                </thead>
                <tbody>
                  {Array.from({ length: rows }, (_, m) => {
                    const c = stage?.criteria[m];
                    const q = `${p}.criteria.${m}`;
                    return (
                      <tr key={m}>
                        <td>
                          {c ? <input type="hidden" name={`${q}.key`} value={c.key} /> : null}
                          <input
                            id={`publish-${q}.text`}
                            aria-label={`Stage ${n + 1} criterion ${m + 1}`}
                            name={`${q}.text`}
                            defaultValue={v(`${q}.text`, c?.text ?? '')}
                            aria-invalid={errors[`${q}.text`] ? true : undefined}
                          />
                          {note(`${q}.text`)}
                        </td>
                        <td>
                          <input
                            aria-label={`Stage ${n + 1} criterion ${m + 1} buyer action`}
                            name={`${q}.buyerAction`}
                            defaultValue={v(`${q}.buyerAction`, c?.buyerAction ?? '')}
                          />
                          {note(`${q}.buyerAction`)}
                        </td>
                        <td>
                          <select aria-label={`Stage ${n + 1} criterion ${m + 1} evidence`} name={`${q}.evidenceType`} defaultValue={v(`${q}.evidenceType`, c?.evidenceType ?? '')}>
                            <option value="">— none named —</option>
                            {EVIDENCE_TYPES.map((t) => (
                              <option key={t} value={t}>
                                {EVIDENCE_LABELS[t]}
                              </option>
                            ))}
                          </select>
                          {note(`${q}.evidenceType`)}
                        </td>
                        <td>
                          <input
                            type="checkbox"
                            aria-label={`Stage ${n + 1} criterion ${m + 1} required`}
                            name={`${q}.required`}
                            defaultChecked={kept ? kept[`${q}.required`] === 'on' : (c?.required ?? true)}
                          />
                          {note(`${q}.required`)}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </fieldset>
          );
        })}
        <fieldset className="panel">
          <legend>Last stage</legend>
          <div className="field">
            <label htmlFor="publish-terminal.name">Name of the final stage (the customer is live; no exit criteria)</label>
            <input id="publish-terminal.name" name="terminal.name" defaultValue={v('terminal.name', terminal?.name ?? 'Live')} />
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor="publish-note">What changed (shown in the history)</label>
          <input id="publish-note" name="note" maxLength={300} defaultValue={v('note', '')} />
        </div>
        <div>
          <button type="submit" name="intent" value="publish" disabled={publish.busy}>
            Publish version {playbook.version + 1}
          </button>
        </div>
      </FeedbackForm>

      <h3>Versions of “{chosen.name}”</h3>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Version</th>
              <th>Published</th>
              <th>Note</th>
              <th className="num">Journeys on it</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {versions.map((ver) => (
              <tr key={ver.version}>
                <td>
                  v{ver.version} {ver.version === playbook.version ? <span className="badge ok">current</span> : null}
                </td>
                <td>
                  <LocalTime iso={ver.createdAt} /> · {ver.createdByName}
                </td>
                <td>{ver.note}</td>
                <td className="num">{ver.journeys.toLocaleString('en-US')}</td>
                <td>
                  {ver.version !== playbook.version && ver.journeys > 0 ? (
                    <MigrateForm playbookKey={chosen.key} fromVersion={ver.version} toVersion={playbook.version} journeys={ver.journeys} />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function MigrateForm({ playbookKey, fromVersion, toVersion, journeys }: { playbookKey: string; fromVersion: number; toVersion: number; journeys: number }) {
  const f = useFormFeedback(`migrate-v${fromVersion}`, { reset: false });
  const errors = f.result && !f.result.ok ? f.result.errors?.confirm : undefined;
  return (
    <FeedbackForm feedback={f}>
      <input type="hidden" name="playbook" value={playbookKey} />
      <input type="hidden" name="fromVersion" value={fromVersion} />
      {/* Cannot be undone: a required box, checked again by the server (docs/ui-conventions.md). */}
      <label>
        <input type="checkbox" id={`${f.id}-confirm`} name="confirm" value="yes" required aria-invalid={errors ? true : undefined} /> Move {plural(journeys, 'journey')} to v
        {toVersion}: this cannot be undone
      </label>{' '}
      <button type="submit" name="intent" value="migrate" className="secondary" disabled={f.busy}>
        Move its journeys to v{toVersion}
      </button>
    </FeedbackForm>
  );
}

type Listed = ReturnType<typeof useLoaderData<typeof loader>>['playbooks'][number];

const segmentNames = (segments: string[]) => segments.map((s) => SEGMENT_LABELS[s] ?? s).join(', ');

/** Every playbook: what it serves, its current version, its journeys; the one being edited is marked. */
function PlaybookList({ playbooks, chosenKey }: { playbooks: Listed[]; chosenKey: string }) {
  return (
    <div className="table-wrap">
      <table aria-label="Playbooks">
        <thead>
          <tr>
            <th>Playbook</th>
            <th>Serves</th>
            <th>Current version</th>
            <th className="num">Journeys</th>
          </tr>
        </thead>
        <tbody>
          {playbooks.map((p) => (
            <tr key={p.key}>
              <td>
                <Link to={`?playbook=${p.key}#editing`} aria-current={p.key === chosenKey ? 'page' : undefined}>
                  {p.name}
                </Link>{' '}
                {p.isDefault ? <span className="badge muted">default</span> : null}
                {p.key === chosenKey ? <span className="badge ok">editing</span> : null}
              </td>
              <td>
                {p.served.length ? segmentNames(p.served) : <span className="muted">no segment yet</span>}
                {p.isDefault ? <div className="muted">and every segment no other playbook claims</div> : null}
              </td>
              <td>v{p.version}</td>
              <td className="num">{p.journeys.toLocaleString('en-US')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The segment checkboxes of a form, with the form's error for them next to them. */
function SegmentBoxes({ formId, checked, errors, legend }: { formId: string; checked: (segment: string) => boolean; errors?: string[]; legend: string }) {
  return (
    <fieldset id={`${formId}-segments`} tabIndex={-1} aria-invalid={errors ? true : undefined}>
      <legend>{legend}</legend>
      {SEGMENTS.map((s) => (
        <label key={s} style={{ marginRight: '1rem' }}>
          <input type="checkbox" name={`segment.${s}`} defaultChecked={checked(s)} /> {SEGMENT_LABELS[s] ?? s}
        </label>
      ))}
      {errors?.map((m) => (
        <p key={m} className="field-error">
          {m}
        </p>
      ))}
    </fieldset>
  );
}

function CreatePlaybookForm({ playbooks }: { playbooks: Listed[] }) {
  const f = useFormFeedback('create');
  const r = f.result && !f.result.ok ? f.result : undefined;
  const kept = r?.values;
  const name = f.field('name');
  return (
    <details className="panel" open={Boolean(r)}>
      <summary>New playbook</summary>
      <FeedbackForm feedback={f} className="stack">
        <div className="row">
          <Field label="Name" {...name} maxLength={60} required hint="e.g. “SMB quick start”" />
          <SelectField label="Start from the stages of" id="create-copyFrom" name="copyFrom" defaultValue={kept?.copyFrom ?? DEFAULT_PLAYBOOK_KEY} errors={r?.errors?.copyFrom}>
            {playbooks.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name} (v{p.version})
              </option>
            ))}
          </SelectField>
        </div>
        <SegmentBoxes formId="create" legend="Segments it serves (a segment has one playbook)" checked={(s) => kept?.[`segment.${s}`] === 'on'} errors={r?.errors?.segments} />
        <div>
          <button type="submit" name="intent" value="create" disabled={f.busy}>
            Create playbook
          </button>
        </div>
      </FeedbackForm>
    </details>
  );
}

function ProfileForm({ chosen }: { chosen: { key: string; name: string; segments: readonly string[]; isDefault: boolean } }) {
  const f = useFormFeedback('profile', { reset: false });
  const r = f.result && !f.result.ok ? f.result : undefined;
  const kept = r?.values;
  return (
    <FeedbackForm feedback={f} className="stack">
      <input type="hidden" name="playbook" value={chosen.key} />
      <Field label="Playbook name" {...f.field('name', chosen.name)} maxLength={60} required />
      <SegmentBoxes
        formId="profile"
        legend={chosen.isDefault ? 'Segments it serves (besides every segment no other playbook claims)' : 'Segments it serves (a segment has one playbook)'}
        checked={(s) => (kept ? kept[`segment.${s}`] === 'on' : chosen.segments.includes(s))}
        errors={r?.errors?.segments}
      />
      <div>
        <button type="submit" name="intent" value="profile" disabled={f.busy}>
          Save name and segments
        </button>
      </div>
    </FeedbackForm>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
