import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { z } from 'zod';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { requireUser } from '#app/auth/session.server';
import type { DashboardPageHandle } from '#app/components/dashboard';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, fieldState } from '#app/components/forms';
import { LocalTime } from '#app/components/local-time';
import {
  SettingsFormSchema,
  SpendFormSchema,
  deleteCohortSpend,
  getDashboardSettings,
  listCohortSpend,
  saveCohortSpend,
  saveDashboardSettings,
} from '#app/dashboards/dashboards.server';
import { badRequest, dispatchIntent, intent, readFormData } from '#app/utils/forms.server';
import { formatMoney } from '#app/utils/format';
import { may } from '#app/auth/permissions';

export const meta: MetaFunction = () => [{ title: 'Spend & targets · Dashboards · Kept' }];

// The tabs leave the filters behind: this page has none.
export const handle = { dashboard: { tab: '/dashboards/settings', heading: () => 'Spend & targets', keepsFilters: false } } satisfies DashboardPageHandle;

/** A missing id finds no entry: the same answer as one removed meanwhile. */
const DeleteSpendSchema = z.object({ id: z.string().default('') });

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request, { may: 'spend.view' });
  const [settings, spend] = await Promise.all([getDashboardSettings(), listCohortSpend()]);
  return { settings, spend, canEdit: may(user.role, 'spend.edit') };
}

const done = (message: string) => data({ ok: true as const, message, errors: {} as Record<string, string[]>, values: {} as Record<string, string> });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'spend.edit' });
  return dispatchIntent(
    await readFormData(request),
    {
      settings: intent(SettingsFormSchema, async (input) => {
        await saveDashboardSettings({ user, input });
        return done('Targets and assumptions saved.');
      }),
      spend: intent(SpendFormSchema, async (input) => {
        await saveCohortSpend({ user, input });
        return done(`Spend for ${input.quarter} (${input.currency}) saved.`);
      }),
      'delete-spend': intent(DeleteSpendSchema, async ({ id }) => {
        if (!(await deleteCohortSpend({ user, id }))) return badRequest({ errors: { '': ['That spend entry no longer exists.'] }, values: {} });
        return done(`Spend ${id} removed.`);
      }),
    },
    { unknown: 'Choose what to save.' },
  );
}

export default function DashboardSettingsPage() {
  const { settings, spend, canEdit } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  const forSettings = actionData?.values?.intent === 'settings' ? actionData : undefined;
  const forSpend = actionData?.values?.intent === 'spend' ? actionData : undefined;
  const value = (name: string, fallback: number | null) => fieldState(forSettings, name).value ?? (fallback === null ? '' : String(fallback));
  return (
    <>
      {actionData && 'message' in actionData ? (
        <p className="notice" role="status">
          {actionData.message}
        </p>
      ) : null}
      {actionData && !actionData.ok && !forSettings && !forSpend ? <FormError errors={actionData.errors['']} /> : null}

      <section className="panel" aria-labelledby="targets">
        <h2 id="targets">Targets and assumptions</h2>
        {canEdit ? (
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="settings" />
            <div className="row">
              <Field
                label="Value delivered floor (%)"
                name="valueFloorPct"
                inputMode="decimal"
                defaultValue={value('valueFloorPct', settings.valueFloorPct)}
                errors={fieldState(forSettings, 'valueFloorPct').errors}
              />
              <Field
                label="Value delivered target (%)"
                name="valueTargetPct"
                inputMode="decimal"
                defaultValue={value('valueTargetPct', settings.valueTargetPct)}
                errors={fieldState(forSettings, 'valueTargetPct').errors}
              />
            </div>
            <div className="row">
              <Field
                label="Default gross margin (%)"
                name="defaultGrossMarginPct"
                inputMode="decimal"
                hint="Used for cohorts where no deal records a margin. Leave empty to show no LTV for them."
                defaultValue={value('defaultGrossMarginPct', settings.defaultGrossMarginPct)}
                errors={fieldState(forSettings, 'defaultGrossMarginPct').errors}
              />
              <Field
                label="Longest customer lifetime for LTV (months)"
                name="lifetimeCapMonths"
                inputMode="numeric"
                hint="LTV never assumes a longer lifetime, e.g. when no churn has been observed."
                defaultValue={value('lifetimeCapMonths', settings.lifetimeCapMonths)}
                errors={fieldState(forSettings, 'lifetimeCapMonths').errors}
              />
            </div>
            <div>
              <button type="submit" disabled={busy}>
                Save targets
              </button>
            </div>
          </Form>
        ) : (
          <dl className="facts">
            <dt>Value delivered floor</dt>
            <dd>{settings.valueFloorPct} %</dd>
            <dt>Value delivered target</dt>
            <dd>{settings.valueTargetPct} %</dd>
            <dt>Default gross margin</dt>
            <dd>{settings.defaultGrossMarginPct === null ? 'none' : `${settings.defaultGrossMarginPct} %`}</dd>
            <dt>Lifetime cap</dt>
            <dd>{settings.lifetimeCapMonths} months</dd>
          </dl>
        )}
      </section>

      <section className="panel" aria-labelledby="spend">
        <h2 id="spend">Sales and marketing spend per quarter</h2>
        <p className="muted">For deals without their own CAC: a quarter’s spend ÷ the customers won that quarter is their CAC on the profitability page.</p>
        {spend.length === 0 ? (
          <p className="empty">No spend entered yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="sr-only">Spend per quarter</caption>
              <thead>
                <tr>
                  <th scope="col">Quarter</th>
                  <th scope="col" className="num">
                    Spend
                  </th>
                  <th scope="col">Note</th>
                  <th scope="col">Last change</th>
                  {canEdit ? <th scope="col">Remove</th> : null}
                </tr>
              </thead>
              <tbody>
                {spend.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.quarter}</th>
                    <td className="num">{formatMoney(s.amount, s.currency)}</td>
                    <td>{s.note || <span className="muted">—</span>}</td>
                    <td>
                      {s.updatedByName}{' '}
                      <span className="muted">
                        <LocalTime iso={s.updatedAt} />
                      </span>
                    </td>
                    {canEdit ? (
                      <td>
                        <Form method="post">
                          <input type="hidden" name="intent" value="delete-spend" />
                          <input type="hidden" name="id" value={s.id} />
                          <button type="submit" className="secondary small" disabled={busy}>
                            Remove
                            <span className="sr-only">
                              {' '}
                              {s.quarter} {s.currency}
                            </span>
                          </button>
                        </Form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canEdit ? (
          <Form method="post" className="stack" style={{ marginTop: '1rem' }}>
            <input type="hidden" name="intent" value="spend" />
            <div className="row">
              <Field label="Quarter" name="quarter" placeholder="2026Q1" defaultValue={fieldState(forSpend, 'quarter').value} errors={fieldState(forSpend, 'quarter').errors} />
              <Field label="Currency" name="currency" defaultValue={fieldState(forSpend, 'currency').value ?? 'USD'} errors={fieldState(forSpend, 'currency').errors} />
              <Field label="Amount spent" name="amount" inputMode="decimal" defaultValue={fieldState(forSpend, 'amount').value} errors={fieldState(forSpend, 'amount').errors} />
            </div>
            <Field label="Note (optional)" name="note" defaultValue={fieldState(forSpend, 'note').value} errors={fieldState(forSpend, 'note').errors} />
            <div>
              <button type="submit" disabled={busy}>
                Save spend
              </button>
            </div>
          </Form>
        ) : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
