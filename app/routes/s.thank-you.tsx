import type { MetaFunction } from '@remix-run/node';
import { buyerMeta, PublicFrame } from '#app/components/public-frame';

// Where a submitted survey lands (a redirect, so a reload does not post again). Carries no token.
export const meta: MetaFunction = buyerMeta('Thank you');

export default function SurveyThankYou() {
  return (
    <PublicFrame label="Value check-in">
      <h1>Thank you</h1>
      <p>Your answers are recorded and go straight to the people who made you these promises.</p>
      <p>You can close this page.</p>
    </PublicFrame>
  );
}
