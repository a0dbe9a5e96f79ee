import { Link } from '@remix-run/react';
import { FeedbackForm, useFormFeedback } from '#app/components/form-feedback';
import { Field } from '#app/components/forms';

/** What the new-password field says before anyone types (the server applies the same rule). */
export const NEW_PASSWORD_HINT = 'At least 12 characters. A few unrelated words are easy to remember and hard to guess; Kept refuses common passwords.';

/** The page behind an invitation or reset link: a greeting and one new-password field. */
export function SetPasswordPage(props: { title: string; intro: React.ReactNode; email: string; button: string }) {
  const f = useFormFeedback('set-password');
  return (
    <main className="centered">
      <div className="panel">
        <h1>{props.title}</h1>
        <p>{props.intro}</p>
        <FeedbackForm feedback={f} className="stack" noValidate>
          {/* For password managers: which account the new password belongs to. */}
          <input type="hidden" name="username" value={props.email} autoComplete="username" />
          <Field label="New password" type="password" autoComplete="new-password" required autoFocus hint={NEW_PASSWORD_HINT} {...f.field('password')} />
          <div>
            <button type="submit" disabled={f.busy}>
              {f.busy ? 'Saving…' : props.button}
            </button>
          </div>
        </FeedbackForm>
      </div>
    </main>
  );
}

/** An unknown, used, replaced or expired link (the same page for each: a link tells nothing). */
export function LinkNotWorking({ what }: { what: 'invitation' | 'reset' }) {
  return (
    <main className="centered">
      <div className="panel">
        <h1>This link no longer works</h1>
        {what === 'invitation' ? (
          <p>Invitation links work once, for 7 days. Ask your Kept admin to resend the invitation, or, if you have already chosen a password, sign in.</p>
        ) : (
          <p>Reset links work once, for 15 minutes, and only the newest one does. Ask for a new link; it arrives within a minute.</p>
        )}
        <p>
          {what === 'reset' ? <Link to="/forgot-password">Ask for a new link</Link> : null}
          {what === 'reset' ? ' · ' : null}
          <Link to="/login">Sign in</Link>
        </p>
      </div>
    </main>
  );
}
