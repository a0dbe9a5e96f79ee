// The journey page's data as the browser gets it, for the panels beside the route. Derived from the
// service, not from the route's loader, so the panels do not import the route that imports them.
import type { getJourneyDetail } from '#app/journeys/journey.server';

export type Detail = NonNullable<Awaited<ReturnType<typeof getJourneyDetail>>>;
export type Stage = Detail['stages'][number];
export type Criterion = Stage['criteria'][number];
export type EvidenceItem = Criterion['evidence'][number];
export type Contact = Detail['contacts'][number];
