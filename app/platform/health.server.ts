// Promise: a health check that answers fast whatever the database does: a frozen database gets a
// "no" within 700 ms rather than a hanging probe. The same ping on MongoDB and FerretDB (docs/reliability.md).
import { databaseAnswers } from '#app/platform/db.server';

/** True when the database answers a ping within 700 ms (a frozen one gets a fast "no"). */
export const isDatabaseUp = () => databaseAnswers();
