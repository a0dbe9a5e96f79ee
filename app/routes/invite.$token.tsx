import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { passwordLinkAction, passwordLinkLoader } from '#app/auth/password-link-route.server';
import { createUserSession } from '#app/auth/session.server';
import { CenteredErrorBoundary } from '#app/components/error-boundary';
import { LinkNotWorking, SetPasswordPage } from '#app/components/set-password';

// The link in an invitation email: the new user chooses their password (once, within 7 days) and
// is signed in. An admin's "Resend invitation" replaces the link.
export const meta: MetaFunction = () => [{ title: 'Welcome to Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

const GONE = 'This invitation link no longer works: it was used, replaced by a newer one or is older than 7 days. Ask your admin to resend it.';

export const loader = (args: LoaderFunctionArgs) => passwordLinkLoader(args, 'invitation');

export function action(args: ActionFunctionArgs) {
  return passwordLinkAction(args, {
    purpose: 'invitation',
    gone: GONE,
    onSet: async (userId) => {
      const cookie = await createUserSession({ userId, userAgent: args.request.headers.get('user-agent') });
      throw redirect('/home', { headers: { 'Set-Cookie': cookie } });
    },
  });
}

export default function AcceptInvitation() {
  const loaded = useLoaderData<typeof loader>();
  if (!loaded.valid) return <LinkNotWorking what="invitation" />;
  return (
    <SetPasswordPage
      title={`Welcome to Kept, ${loaded.name}`}
      email={loaded.email}
      intro={`Choose the password you will sign in with as ${loaded.email}.`}
      button="Save password and sign in"
    />
  );
}

export { CenteredErrorBoundary as ErrorBoundary };
