import { databaseAnswers } from '#app/platform/db.server';

/** True when the database answers a ping within 700 ms (a frozen one gets a fast "no"). */
export const isDatabaseUp = () => databaseAnswers();
