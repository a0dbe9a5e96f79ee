// The loader and action shared by the two pages a password link opens (`/invite/<token>`,
// `/reset-password/<token>`): they differ only in the link's purpose, the words when it no longer
// works, and where a saved password leads.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { data } from '@remix-run/node';
import type { PasswordTokenPurpose } from '#models/password-token';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import type { FormResult } from '#app/components/form-feedback';
import { SetPasswordSchema, findPasswordLink, setPasswordWithLink } from '#app/users/passwords.server';
import { formIdOf } from '#app/utils/form-feedback.server';
import { formValues, parseForm, readFormData } from '#app/utils/forms.server';
import { PASSWORDS_OFF, passwordsAllowed, signInOptions } from '#app/sso/sso.server';

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };

/** Who the link is for (to greet them), or 404 when it is unknown, used, replaced or expired. */
export async function passwordLinkLoader({ params, context }: LoaderFunctionArgs, purpose: PasswordTokenPurpose) {
  await rateLimit('publicView', clientIp(context as Context));
  const link = await findPasswordLink({ token: params.token ?? '', purpose });
  if (!link) return data({ valid: false as const }, { status: 404, headers: NO_STORE });
  return data({ valid: true as const, name: link.name, email: link.email }, { headers: NO_STORE });
}

/**
 * Sets the password through the link; `onSet` answers once it is saved (it throws a redirect).
 * A link that stopped working answers 404 with `gone`, a refused password 400 with its errors.
 */
export async function passwordLinkAction(
  { request, params, context }: ActionFunctionArgs,
  { purpose, gone, onSet }: { purpose: PasswordTokenPurpose; gone: string; onSet: (userId: string) => Promise<never> },
) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const formData = await readFormData(request);
  const form = formIdOf(formValues(formData));
  const token = params.token ?? '';
  const refuseGone = () => data<FormResult>({ ok: false, form, errors: { '': [gone] } }, { status: 404, headers: NO_STORE });
  const link = await findPasswordLink({ token, purpose });
  if (!link) return refuseGone();
  // "SSO only": nobody but the break-glass admin sets a password (invited people sign in with SSO).
  const sso = await signInOptions();
  if (sso?.ssoOnly && !(await passwordsAllowed({ userId: link.userId }))) {
    return data<FormResult>({ ok: false, form, errors: { '': [PASSWORDS_OFF(sso.companyName)] } }, { status: 403, headers: NO_STORE });
  }
  const result = parseForm(SetPasswordSchema, formData);
  if (!result.ok) return data<FormResult>({ ...result, form }, { status: 400, headers: NO_STORE });
  const userId = await setPasswordWithLink({ token, purpose, password: result.data.password });
  if (!userId) return refuseGone();
  return onSet(userId);
}
