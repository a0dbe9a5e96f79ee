import { CATEGORY_LABELS } from '#app/utils/format';

export type PromiseView = { id: string; text: string; successCriterion: string; category: string };

/** The promises a rep made in the sale, each with the criterion the buyer will judge it by. */
export function PromiseList({ promises }: { promises: PromiseView[] }) {
  if (promises.length === 0) return <p className="muted">No promises were recorded on this deal.</p>;
  return (
    <ol className="promises">
      {promises.map((p) => (
        <li key={p.id}>
          <strong>{p.text}</strong> <span className="badge muted">{CATEGORY_LABELS[p.category] ?? p.category}</span>
          <div className="muted">Success criterion: {p.successCriterion}</div>
        </li>
      ))}
    </ol>
  );
}
