// The shared plan page's "waiting on your side": a delay the vendor's team marked, which the buyer
// confirms (only then does the stage's SLA clock pause). Its text comes from the delay catalogue;
// the form works without JavaScript (docs/buyer-delays.md).
import { FeedbackForm, useFormFeedback } from '#app/components/form-feedback';
import { formatDate } from '#app/i18n/format';
import { useLocale, useMessages } from '#app/i18n/i18n';
import { delayMessages } from '#app/i18n/messages/delays';

export type BuyerDelayView = { id: string; reason: string; markedAt: string; confirmedAt: string | null; confirmedByName: string | null };

/** The codes the plan page's action answers the delay form with (each a message of the catalogue). */
export const DELAY_ANSWERS = ['confirmedNow', 'alreadyConfirmed', 'ended', 'changed', 'invalid'] as const;
export type DelayAnswer = (typeof DELAY_ANSWERS)[number];

export function BuyerDelay({ delay, csmName }: { delay: BuyerDelayView; csmName: string | null }) {
  const t = useMessages(delayMessages);
  const locale = useLocale();
  const f = useFormFeedback('confirm-delay', { anchor: 'delay' });
  const team = csmName ?? 'none';
  const answer = f.result?.message && (DELAY_ANSWERS as readonly string[]).includes(f.result.message) ? (f.result.message as DelayAnswer) : null;
  return (
    <section className="panel" aria-labelledby="delay-h" id="delay">
      <h2 id="delay-h">{t('heading')}</h2>
      <p>{t('intro', { team, date: formatDate(locale, delay.markedAt) })}</p>
      <blockquote className="delay-reason">{delay.reason}</blockquote>
      {delay.confirmedAt ? (
        <p>
          <span className="badge ok">✓</span> {t('confirmedBy', { name: delay.confirmedByName ?? '', date: formatDate(locale, delay.confirmedAt), team })}
        </p>
      ) : (
        <FeedbackForm feedback={f} showFeedback={false} className="stack">
          <input type="hidden" name="intent" value="confirm-delay" />
          <input type="hidden" name="delayId" value={delay.id} />
          <p>{t('askConfirm', { team })}</p>
          <div>
            <button type="submit" disabled={f.busy}>
              {t('confirmButton')}
            </button>
          </div>
          <p className="muted">{t('notRight')}</p>
        </FeedbackForm>
      )}
      {answer ? (
        <p className={f.result?.ok ? 'notice form-feedback' : 'form-error form-feedback'} role={f.result?.ok ? 'status' : 'alert'} tabIndex={-1} ref={f.messageRef}>
          {t(answer)}
        </p>
      ) : null}
    </section>
  );
}
