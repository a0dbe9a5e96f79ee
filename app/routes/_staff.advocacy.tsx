// The advocacy section: the page's heading and the section's tabs above each advocacy page that
// declares an `advocacy` handle (the CSV exports are resource routes and render nothing). Each
// page's loader and action still check their own permission: this loader's check does not protect
// a child's data.
import type { LoaderFunctionArgs } from '@remix-run/node';
import { Outlet, useLoaderData, useMatches } from '@remix-run/react';
import { may } from '#app/auth/permissions';
import { requireUser } from '#app/auth/session.server';
import { AdvocacyHeader, type AdvocacyPageHandle } from '#app/components/advocacy';
import { GeneralErrorBoundary } from '#app/components/error-boundary';

export async function loader({ request }: LoaderFunctionArgs) {
  // The weakest permission of any page here: sales read the referrals of their own customers.
  const user = await requireUser(request, { may: 'referrals.view' });
  return { inSection: may(user.role, 'advocacy.view') };
}

export default function AdvocacyLayout() {
  const { inSection } = useLoaderData<typeof loader>();
  const leaf = useMatches().at(-1);
  // No heading over an error: a page whose loader did not run has no data (null), and its boundary says why.
  const page = leaf?.data == null ? undefined : (leaf.handle as AdvocacyPageHandle | undefined)?.advocacy;
  return (
    <>
      {page && leaf ? <AdvocacyHeader page={page} data={leaf.data} inSection={inSection} /> : null}
      <Outlet />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
