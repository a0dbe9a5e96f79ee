// The journey page's data as the browser gets it, for the panels beside the route.
import type { useLoaderData } from '@remix-run/react';
import type { loader } from './route';

export type JourneyData = ReturnType<typeof useLoaderData<typeof loader>>;
export type Detail = JourneyData['journey'];
export type Stage = Detail['stages'][number];
export type Criterion = Stage['criteria'][number];
export type EvidenceItem = Criterion['evidence'][number];
export type Contact = Detail['contacts'][number];
