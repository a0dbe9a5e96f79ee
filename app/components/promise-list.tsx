import { VERDICT_BADGE, VERDICT_LABELS } from '#app/surveys/survey-labels';
import { CATEGORY_LABELS, formatDate } from '#app/utils/format';
import { useMessages } from '#app/i18n/i18n';
import { planMessages } from '#app/i18n/messages/plan';

type PlanKey = keyof (typeof planMessages)['en'];

export type PromiseView = { id: string; text: string; successCriterion: string; category: string };
/** A promise's latest verdict (survey or re-ask) and, when a re-ask changed it, the survey verdict before. */
export type PromiseVerdict = { verdict: string; at: string; source: 'survey' | 'reask'; original: { verdict: string; at: string } | null };

function Verdict({ v }: { v: PromiseVerdict }) {
  return (
    <div>
      Latest verdict: <span className={`badge ${VERDICT_BADGE[v.verdict] ?? 'muted'}`}>{VERDICT_LABELS[v.verdict] ?? v.verdict}</span>{' '}
      <span className="muted">
        {v.source === 'reask' ? 'asked again' : 'survey'}, {formatDate(v.at)}
        {v.original ? ` (the survey said ${(VERDICT_LABELS[v.original.verdict] ?? v.original.verdict).toLowerCase()} on ${formatDate(v.original.at)})` : ''}
      </span>
    </div>
  );
}

/**
 * The promises a rep made in the sale, each with the criterion the buyer will judge it by and, when
 * given, its latest verdict (staff pages only). On the buyer's plan page, in the buyer's language.
 */
export function PromiseList({ promises, verdicts }: { promises: PromiseView[]; verdicts?: Record<string, PromiseVerdict> }) {
  const t = useMessages(planMessages);
  const category = (c: string) => (`category.${c}` in planMessages.en ? t(`category.${c}` as PlanKey) : (CATEGORY_LABELS[c] ?? c));
  if (promises.length === 0) return <p className="muted">{t('noPromises')}</p>;
  return (
    <ol className="promises">
      {promises.map((p) => (
        <li key={p.id}>
          <strong>{p.text}</strong> <span className="badge muted">{category(p.category)}</span>
          <div className="muted">{t('successCriterion', { criterion: p.successCriterion })}</div>
          {verdicts?.[p.id] ? <Verdict v={verdicts[p.id]} /> : null}
        </li>
      ))}
    </ol>
  );
}
