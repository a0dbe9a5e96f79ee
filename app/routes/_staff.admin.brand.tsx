import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { requireUser } from '#app/auth/session.server';
import { accentWarning, BrandFormSchema, fromHeader, LOGO_MAX_BYTES, normalizeHex, senderDomainNote, textOn, type BuyerBrand } from '#app/branding/brand-rules';
import { buyerBrandOf, defaultSender, getBrandSettings, removeLogo, saveBrand, saveLogo } from '#app/branding/brand.server';
import { GeneralErrorBoundary } from '#app/components/error-boundary';
import { Field, FormError, SelectField, TextareaField, fieldState } from '#app/components/forms';
import { LOCALE_NAMES, LOCALES } from '#app/i18n/locales';
import { LocalTime } from '#app/components/local-time';
import { BuyerFooter, BuyerHeader } from '#app/components/public-frame';
import { dispatchIntent, intent, NoFields, readFormData } from '#app/utils/forms.server';

export const meta: MetaFunction = () => [{ title: 'Brand · Admin · Kept' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUser(request, { may: 'brand.edit' });
  const settings = await getBrandSettings({ fresh: true });
  // The saved brand as buyers see it (its logo URL), for the preview.
  return { settings, saved: buyerBrandOf(settings), defaultFrom: defaultSender() };
}

type Result = { ok: boolean; intent: string; message?: string; errors: Record<string, string[]>; values: Record<string, string> };
const reply = (result: Omit<Result, 'errors' | 'values'> & Partial<Result>, status = 200) => data<Result>({ errors: {}, values: {}, ...result }, { status });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request, { may: 'brand.edit' });
  const formData = await readFormData(request);
  return dispatchIntent(
    formData,
    {
      save: intent(BrandFormSchema, async (input) => {
        const { changed } = await saveBrand({ user, input });
        return reply({ ok: true, intent: 'save', message: changed.length ? 'Brand saved: buyers see it on their next page and email.' : 'Nothing changed.' });
      }),
      logo: intent(NoFields, async () => {
        const file = formData.get('logo');
        if (!(file instanceof File) || file.size === 0) return reply({ ok: false, intent: 'logo', errors: { logo: ['Choose a PNG or JPEG file for the logo.'] } }, 400);
        // The HTTP layer caps the whole form at 1 MB; the logo's own cap is checked on the bytes.
        const saved = await saveLogo({ user, bytes: new Uint8Array(await file.arrayBuffer()) });
        if (!saved.ok) return reply({ ok: false, intent: 'logo', errors: { logo: [saved.error] } }, 400);
        return reply({ ok: true, intent: 'logo', message: `Logo uploaded (${saved.contentType === 'image/png' ? 'PNG' : 'JPEG'}).` });
      }),
      'remove-logo': intent(z.object({}), async () => {
        const { removed } = await removeLogo({ user });
        return reply({ ok: true, intent: 'remove-logo', message: removed ? 'Logo removed: buyers see the name instead.' : 'There was no logo to remove.' });
      }),
    },
    { unknown: 'Choose what to save.' },
  );
}

/** The email header as a buyer's inbox shows it (the same band as emails/_components/brand.tsx). */
function EmailPreview({ brand, from }: { brand: BuyerBrand; from: string }) {
  return (
    <figure className="brand-mock" aria-label="Email preview">
      <p className="brand-mock-body muted">
        From: {from}
        <br />
        Subject: Northwind Freight, did we deliver what we promised?
      </p>
      <BuyerHeader brand={brand} label="" />
      <div className="brand-mock-body">
        <p>Hi Maria,</p>
        <p className="muted">…</p>
        <BuyerFooter brand={brand} />
      </div>
    </figure>
  );
}

export default function BrandPage() {
  const { settings, saved, defaultFrom } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as Result | undefined;
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  const forSave = actionData?.intent === 'save' || actionData?.values?.intent === 'save' ? actionData : undefined;
  const forLogo = actionData?.intent === 'logo' || actionData?.intent === 'remove-logo' ? actionData : undefined;
  const value = (name: string, stored: string | null | undefined) => fieldState(forSave, name).value ?? stored ?? '';

  // The preview follows what is typed (with JavaScript); without it, what is saved.
  const [typed, setTyped] = useState<{ name?: string; accentColor?: string; postalAddress?: string; privacyUrl?: string; senderName?: string; senderEmail?: string }>({});
  const name = typed.name ?? value('name', settings?.name) ?? '';
  const accent = normalizeHex(typed.accentColor ?? value('accentColor', settings?.accentColor ?? '#1f4e79')) ?? settings?.accentColor ?? '#1f4e79';
  const preview: BuyerBrand = {
    ...saved,
    name: name.trim() || 'Your company',
    accentColor: accent,
    textOnAccent: textOn(accent),
    postalAddress: (typed.postalAddress ?? value('postalAddress', settings?.postalAddress)) || null,
    privacyUrl: (typed.privacyUrl ?? value('privacyUrl', settings?.privacyUrl)) || null,
    vendor: true,
  };
  const senderEmail = typed.senderEmail ?? value('senderEmail', settings?.senderEmail);
  const senderName = typed.senderName ?? value('senderName', settings?.senderName);
  const from = senderEmail ? fromHeader(senderName || preview.name, senderEmail) : defaultFrom;
  const warning = accentWarning(accent);
  const domainNote = senderDomainNote(senderEmail || null, defaultFrom);

  return (
    <>
      <h1>Brand</h1>
      <p>
        What buyers see: the header and footer of the survey, plan and unsubscribe pages and of every email Kept sends them, and the sender of those emails. Staff pages and emails
        stay Kept’s.{' '}
        {settings?.updatedAt ? (
          <span className="muted">
            Last saved <LocalTime iso={settings.updatedAt} />.
          </span>
        ) : (
          <strong>No brand is set yet: buyers see Kept’s name.</strong>
        )}
      </p>

      <section className="panel" aria-labelledby="preview-heading">
        <h2 id="preview-heading">Preview</h2>
        <div className="brand-preview">
          <div>
            <h3>Buyer page header</h3>
            <div className="brand-mock">
              <BuyerHeader brand={preview} label="Value check-in" />
              <div className="brand-mock-body">
                <BuyerFooter brand={preview} />
              </div>
            </div>
          </div>
          <div>
            <h3>Email</h3>
            <EmailPreview brand={preview} from={from} />
          </div>
        </div>
      </section>

      <section className="panel" aria-labelledby="details-heading">
        <h2 id="details-heading">Name, colour, sender and footer</h2>
        <Form
          method="post"
          className="stack"
          onChange={(event) => {
            const el = event.target as HTMLInputElement;
            if (el.name) setTyped((t) => ({ ...t, [el.name]: el.value }));
          }}
        >
          <input type="hidden" name="intent" value="save" />
          {forSave?.ok && forSave.message ? (
            <p className="notice" role="status">
              {forSave.message}
            </p>
          ) : null}
          {forSave && !forSave.ok ? <FormError errors={['The brand was not saved: see the fields marked below.']} /> : null}
          <div className="row">
            <Field
              label="Company name"
              name="name"
              required
              maxLength={80}
              defaultValue={value('name', settings?.name)}
              errors={fieldState(forSave, 'name').errors}
              hint="As buyers know you."
            />
            <div className="field">
              <label htmlFor="accentColor">Accent colour</label>
              <div className="row" style={{ alignItems: 'center', gap: '0.5rem' }}>
                <input
                  id="accentColor"
                  name="accentColor"
                  type="text"
                  required
                  pattern="#?[0-9a-fA-F]{3}([0-9a-fA-F]{3})?"
                  defaultValue={value('accentColor', settings?.accentColor ?? '#1f4e79')}
                  aria-invalid={fieldState(forSave, 'accentColor').errors ? true : undefined}
                  aria-describedby="accentColor-hint accentColor-warning accentColor-error"
                  style={{ maxWidth: '9rem' }}
                />
                <span aria-hidden="true" style={{ display: 'inline-block', width: 28, height: 28, borderRadius: 6, border: '1px solid var(--border)', background: accent }} />
              </div>
              <span className="hint" id="accentColor-hint">
                Six hex digits, like #1f4e79: the header band and the buttons.
              </span>
              {warning ? (
                <p className="hint" id="accentColor-warning" role="status">
                  ⚠ {warning}
                </p>
              ) : null}
              {fieldState(forSave, 'accentColor').errors ? (
                <p className="field-error" id="accentColor-error">
                  {fieldState(forSave, 'accentColor').errors!.join(' ')}
                </p>
              ) : null}
            </div>
          </div>
          <fieldset>
            <legend>Sender of buyer emails</legend>
            <div className="row">
              <Field
                label="Sender name"
                name="senderName"
                maxLength={80}
                defaultValue={value('senderName', settings?.senderName)}
                errors={fieldState(forSave, 'senderName').errors}
                hint="Empty: the company name."
              />
              <Field
                label="Sender address"
                name="senderEmail"
                type="email"
                maxLength={254}
                defaultValue={value('senderEmail', settings?.senderEmail)}
                errors={fieldState(forSave, 'senderEmail').errors}
                hint={`Empty: ${defaultFrom}.`}
              />
              <Field
                label="Reply-to address"
                name="replyTo"
                type="email"
                maxLength={254}
                defaultValue={value('replyTo', settings?.replyTo)}
                errors={fieldState(forSave, 'replyTo').errors}
                hint="Where buyers’ replies go. Empty: to the sender."
              />
            </div>
            {domainNote ? (
              <p className="notice warn" role="status">
                {domainNote}
              </p>
            ) : null}
          </fieldset>
          <fieldset>
            <legend>Footer</legend>
            <div className="row">
              <TextareaField
                label="Postal address"
                name="postalAddress"
                rows={3}
                maxLength={300}
                defaultValue={value('postalAddress', settings?.postalAddress)}
                errors={fieldState(forSave, 'postalAddress').errors}
                hint="Shown in the footer of every buyer email and page."
              />
              <Field
                label="Privacy policy link"
                name="privacyUrl"
                type="url"
                maxLength={500}
                placeholder="https://"
                defaultValue={value('privacyUrl', settings?.privacyUrl)}
                errors={fieldState(forSave, 'privacyUrl').errors}
                hint="An https:// link."
              />
            </div>
          </fieldset>
          <fieldset>
            <legend>Buyers’ language</legend>
            <SelectField
              label="Default language of buyer pages and emails"
              name="defaultLanguage"
              defaultValue={value('defaultLanguage', settings?.defaultLanguage)}
              errors={fieldState(forSave, 'defaultLanguage').errors}
              hint="For buyers whose contact and account set no language of their own (set on the account page, by an import column or the closed-won webhook). Staff pages stay English."
            >
              <option value="">English (Kept’s default)</option>
              {LOCALES.map((code) => (
                <option key={code} value={code}>
                  {LOCALE_NAMES[code]}
                </option>
              ))}
            </SelectField>
          </fieldset>
          <div>
            <button type="submit" disabled={busy}>
              Save brand
            </button>
          </div>
        </Form>
      </section>

      <section className="panel" aria-labelledby="logo-heading">
        <h2 id="logo-heading">Logo</h2>
        {settings?.logo ? (
          <p>
            <img
              src={`/brand/logo?v=${settings.logo.version}`}
              alt={`Current logo of ${settings.name}`}
              style={{ maxHeight: 48, maxWidth: 240, background: settings.accentColor, padding: 6, borderRadius: 6 }}
            />
            <br />
            <span className="muted">
              {settings.logo.contentType === 'image/png' ? 'PNG' : 'JPEG'}, {Math.ceil(settings.logo.size / 1024)} KB
            </span>
          </p>
        ) : (
          <p className="empty">No logo yet: buyers see the company name in the header.</p>
        )}
        {forLogo?.ok && forLogo.message ? (
          <p className="notice" role="status">
            {forLogo.message}
          </p>
        ) : null}
        <Form method="post" encType="multipart/form-data" className="stack">
          <input type="hidden" name="intent" value="logo" />
          <Field
            label={settings?.logo ? 'Replace the logo' : 'Upload a logo'}
            name="logo"
            type="file"
            accept="image/png,image/jpeg"
            required
            errors={forLogo?.intent === 'logo' ? forLogo.errors.logo : undefined}
            hint={`PNG or JPEG, at most ${LOGO_MAX_BYTES / 1024} KB; shown 36 px high on the accent colour (a transparent PNG looks best).`}
          />
          <div>
            <button type="submit" disabled={busy}>
              Upload logo
            </button>
          </div>
        </Form>
        {settings?.logo ? (
          <Form
            method="post"
            style={{ marginTop: '0.75rem' }}
            onSubmit={(event) => {
              if (!window.confirm('Remove the logo? Buyers then see the company name in the header until you upload one again.')) event.preventDefault();
            }}
          >
            <input type="hidden" name="intent" value="remove-logo" />
            <button type="submit" className="secondary" disabled={busy}>
              Remove the logo
            </button>
          </Form>
        ) : null}
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
