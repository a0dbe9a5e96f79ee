import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { data } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { clientIp, rateLimit } from '#app/auth/rate-limit.server';
import { PublicFrame } from '#app/components/public-frame';
import { stopSurveysForContacts } from '#app/services/survey-delivery.server';
import { getUnsubscribeTarget, unsubscribeByToken } from '#app/services/unsubscribe.server';
import { logError } from '#app/utils/log.server';

// One-click unsubscribe (RFC 8058). GET shows a confirm button and never writes (mail scanners
// open links); POST unsubscribes, whether it comes from that button or from a mail client's
// List-Unsubscribe-Post (`List-Unsubscribe=One-Click`, no cookies, no Origin). No login.
export const meta: MetaFunction = () => [{ title: 'Unsubscribe · Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

type Context = { clientIp?: string };
const NO_STORE = { 'Cache-Control': 'no-store' };
const unknownLink = () => data({ valid: false as const }, { status: 404, headers: NO_STORE });

export async function loader({ params, context }: LoaderFunctionArgs) {
  await rateLimit('publicView', clientIp(context as Context));
  const target = await getUnsubscribeTarget({ token: params.token ?? '' });
  if (!target) return unknownLink();
  return data({ valid: true as const, maskedEmail: target.maskedEmail }, { headers: NO_STORE });
}

export async function action({ params, context }: ActionFunctionArgs) {
  await rateLimit('publicSubmit', clientIp(context as Context));
  const result = await unsubscribeByToken({ token: params.token ?? '' });
  if (!result) return unknownLink();
  const now = new Date();
  try {
    await stopSurveysForContacts({ contactIds: result.contactIds, reason: 'unsubscribed', now });
  } catch (error) {
    // The address is unsubscribed already (the invitation task checks it before every email).
    logError(error, { where: 'unsubscribe: stop surveys' });
  }
  return data({ valid: true as const, done: true }, { headers: NO_STORE });
}

export default function Unsubscribe() {
  const loaded = useLoaderData<typeof loader>();
  const done = useActionData<typeof action>() as { valid: boolean; done?: boolean } | undefined;
  if (!loaded.valid || done?.valid === false) {
    return (
      <PublicFrame label="email preferences">
        <h1>This unsubscribe link does not work</h1>
        <p>It may have been copied incompletely. Reply to the email you received and we will stop writing to you.</p>
      </PublicFrame>
    );
  }
  if (done?.done) {
    return (
      <PublicFrame label="email preferences">
        <h1>You are unsubscribed</h1>
        <p>We will not send surveys or requests to {loaded.maskedEmail} any more. Your customer success manager has been told.</p>
      </PublicFrame>
    );
  }
  return (
    <PublicFrame label="email preferences">
      <h1>Unsubscribe {loaded.maskedEmail}?</h1>
      <p>You will no longer receive value check-in surveys or requests from us at this address.</p>
      <Form method="post">
        <button type="submit">Unsubscribe</button>
      </Form>
    </PublicFrame>
  );
}
