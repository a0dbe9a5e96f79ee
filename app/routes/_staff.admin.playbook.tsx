import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data as reply } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { FeedbackForm, useFormFeedback, type FormResult } from '#app/components/form-feedback';
import { LocalTime } from '#app/components/local-time';
import { countJourneysByPlaybookVersion, migrateJourneysToCurrentPlaybook } from '#app/journeys/journey.server';
import { flagPlaybook, getCurrentPlaybook, listPlaybookVersions, parsePlaybookForm, publishPlaybook } from '#app/journeys/playbook.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, readFormData } from '#app/utils/forms.server';
import { plural } from '#app/utils/format';
import { EVIDENCE_LABELS, EVIDENCE_TYPES } from '#app/journeys/journey-rules';
import { MAX_CRITERIA, MAX_STAGES } from '#app/journeys/playbook-rules';

export const meta: MetaFunction = () => [{ title: 'Playbook · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'playbook.edit' });
  const [playbook, versions, perVersion] = await Promise.all([getCurrentPlaybook(), listPlaybookVersions(), countJourneysByPlaybookVersion()]);
  return {
    playbook,
    flags: flagPlaybook(playbook.stages),
    versions: versions.map((v) => ({ ...v, journeys: perVersion.get(v.version) ?? 0 })),
  };
}

// Each answer names the form it belongs to (`form`): the editor or one version's migrate button.
type ActionData = FormResult & { errors?: Record<string, string[]>; flags?: Record<string, string[]> };

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'playbook.edit' });
  const values = formValues(await readFormData(request));
  const form = formIdOf(values);
  const data = (result: ActionData, init?: { status: number }) => reply<ActionData>({ ...result, form }, init);
  if (values.intent === 'migrate') {
    const fromVersion = Number(values.fromVersion);
    if (!Number.isInteger(fromVersion) || fromVersion < 1) return data({ ok: false, errors: { '': ['Choose a version to migrate from.'] } }, { status: 400 });
    const result = await migrateJourneysToCurrentPlaybook({ user, fromVersion });
    return data({
      ok: true,
      message: `${plural(result.migrated, 'journey')} moved from v${fromVersion} to the current version; ${plural(result.kept, 'journey')} ${result.kept === 1 ? 'stays' : 'stay'} on v${fromVersion} (their stage no longer exists).`,
    });
  }
  const parsed = parsePlaybookForm(values);
  if (Object.keys(parsed.check.errors).length) return data({ ok: false, errors: parsed.check.errors, flags: parsed.check.flags, values }, { status: 400 });
  const result = await publishPlaybook({ user, stages: parsed.stages, note: parsed.note, baseVersion: parsed.baseVersion });
  if (!result.ok) return data({ ok: false, errors: { '': [result.error] }, values }, { status: 409 });
  const flagged = Object.keys(parsed.check.flags).length;
  return data({
    ok: true,
    message: `Version ${result.version} published: new journeys start on it; journeys under way keep their version.${flagged ? ` ${plural(flagged, 'remark')} on the criteria ${flagged === 1 ? 'is' : 'are'} shown below.` : ''}`,
  });
}

export default function PlaybookEditor() {
  const { playbook, flags: storedFlags, versions } = useLoaderData<typeof loader>();
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
      <h1>Post-sale playbook</h1>
      <p>
        The stages every closed-won customer goes through, with the exit criteria the server checks before a journey moves on. Good criteria are <strong>required</strong>,{' '}
        <strong>factual</strong>, <strong>inspectable</strong> (they name the evidence) and <strong>buyer-centric</strong> (they say what the buyer did). Saving publishes version{' '}
        {playbook.version + 1}; journeys under way keep the version they started with.
      </p>
      {/* Keyed by version: after a publish the fields show the new version, not what was typed into the old one. */}
      <FeedbackForm feedback={publish} key={playbook.version} className="stack" style={{ maxWidth: 'none' }}>
        <input type="hidden" name="baseVersion" value={playbook.version} />
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

      <h2>Versions</h2>
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
                <td>{ver.version !== playbook.version && ver.journeys > 0 ? <MigrateForm fromVersion={ver.version} toVersion={playbook.version} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function MigrateForm({ fromVersion, toVersion }: { fromVersion: number; toVersion: number }) {
  const f = useFormFeedback(`migrate-v${fromVersion}`, { reset: false });
  return (
    <FeedbackForm feedback={f}>
      <input type="hidden" name="fromVersion" value={fromVersion} />
      <button type="submit" name="intent" value="migrate" className="secondary" disabled={f.busy}>
        Move its journeys to v{toVersion}
      </button>
    </FeedbackForm>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
