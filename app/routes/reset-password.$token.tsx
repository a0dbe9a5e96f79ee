import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { passwordLinkAction, passwordLinkLoader } from '#app/auth/password-link-route.server';
import { CenteredErrorBoundary } from '#app/components/error-boundary';
import { LinkNotWorking, SetPasswordPage } from '#app/components/set-password';

// The link from a "Forgot your password?" email (or an admin's "Email a reset link"): works once,
// for 15 minutes; the new password ends every session of the user, who then signs in with it.
export const meta: MetaFunction = () => [{ title: 'Choose a new password · Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

const GONE = 'This link no longer works: it was used, replaced by a newer one or is older than 15 minutes. Ask for a new link.';

export const loader = (args: LoaderFunctionArgs) => passwordLinkLoader(args, 'reset');

export function action(args: ActionFunctionArgs) {
  return passwordLinkAction(args, {
    purpose: 'reset',
    gone: GONE,
    onSet: async () => {
      throw redirect('/login?password=reset');
    },
  });
}

export default function ResetPassword() {
  const loaded = useLoaderData<typeof loader>();
  if (!loaded.valid) return <LinkNotWorking what="reset" />;
  return (
    <SetPasswordPage
      title="Choose a new password"
      email={loaded.email}
      intro={`For ${loaded.email}. Saving it signs you out everywhere; then sign in with the new password.`}
      button="Save new password"
    />
  );
}

export { CenteredErrorBoundary as ErrorBoundary };
