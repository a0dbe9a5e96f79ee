import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { PublicFrame } from '#app/components/public-frame';
import { REASK_VERDICTS } from '#app/recovery/reask-rules';

// Where a submitted re-ask lands (a redirect, so a reload does not post again). Carries no token.
export const meta: MetaFunction = () => [{ title: 'Thank you · Kept' }, { name: 'robots', content: 'noindex, nofollow' }];

const QuerySchema = z.object({ verdict: z.enum(REASK_VERDICTS).optional().catch(undefined) });

export function loader({ request }: LoaderFunctionArgs) {
  const { verdict } = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  return { verdict: verdict ?? null };
}

export default function ReaskThankYou() {
  const { verdict } = useLoaderData<typeof loader>();
  return (
    <PublicFrame label="promise check-in">
      <h1>Thank you</h1>
      {verdict === 'delivered' ? (
        <p>We are glad it is delivered. Your answer is recorded and your customer success manager has been told.</p>
      ) : verdict ? (
        <p>Your answer is recorded. Your customer success manager has been told and will be in touch to agree what happens next.</p>
      ) : (
        <p>Your answer is recorded and goes to your customer success manager.</p>
      )}
      <p>You can close this page.</p>
    </PublicFrame>
  );
}
