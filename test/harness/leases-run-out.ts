// "Time passes" after a worker was SIGKILLed: its leases, and the holds on batches it sealed, run
// out (in production they would within 2 minutes; a test does not wait for them). A batch waits
// sealed, at most 2 minutes, for its surveys to record their emails: a worker killed after recording
// them but before releasing the batch leaves it on hold.
//
// A killed worker's last requests may still be in the database's queue when it dies, and land
// after a first reset: on a loaded machine 27 surveys were held again, until 2 minutes after the
// dead worker's cycle began, after the test had ended every lease. So the reset repeats until it
// has found nothing left to end three times in a row, half a second apart.
import { trusted } from '#app/platform/db.server';
import { EmailBatch } from '#models/email-batch';
import { Survey } from '#models/survey';

export async function letLeasesRunOut({ timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (let quiet = 0; quiet < 3;) {
    if (Date.now() > deadline) throw new Error(`Leases were still being taken ${timeoutMs} ms after the worker died`);
    const past = new Date(Date.now() - 1000);
    const live = { leaseOwner: trusted({ $ne: null }), leaseExpiresAt: trusted({ $gt: past }) };
    const ended = await Promise.all([
      EmailBatch.updateMany(live, { $set: { leaseExpiresAt: past } }),
      EmailBatch.updateMany({ state: 'queued', attempts: 0, nextAttemptAt: trusted({ $gt: past }) }, { $set: { nextAttemptAt: past } }),
      Survey.updateMany(live, { $set: { leaseExpiresAt: past } }),
    ]);
    quiet = ended.every((r) => r.modifiedCount === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
