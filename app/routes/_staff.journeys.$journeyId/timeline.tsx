// The journey's stages in order: entered, left, time against the SLA, and any admin override.
import { LocalTime } from '#app/components/local-time';
import { formatDuration } from '#app/journeys/journey-rules';
import { formatDate } from '#app/utils/format';
import type { Detail } from './types';

export function Timeline({ journey }: { journey: Detail }) {
  return (
    <ol className="timeline" aria-label="Stages">
      {journey.stages.map((s) => (
        <li key={s.key} className={`timeline-step ${s.state}`} aria-current={s.state === 'current' ? 'step' : undefined}>
          <div className="timeline-name">
            {s.name} {s.state === 'done' ? <span className="badge ok">done</span> : s.state === 'current' ? <span className="badge muted">current</span> : null}
            {s.override ? <span className="badge bad">override</span> : null}
          </div>
          <div className="muted">
            {s.enteredAt ? `Entered ${formatDate(s.enteredAt)}` : 'Not reached'}
            {s.exitedAt ? ` · left ${formatDate(s.exitedAt)}${s.exitedByName ? ` by ${s.exitedByName}` : ''}` : ''}
          </div>
          {s.days !== null && !s.terminal ? (
            <div>
              {formatDuration(s.days)} in stage{s.slaDays ? ` · SLA ${s.slaDays} days` : ''} {s.overSla ? <span className="badge bad">over SLA</span> : null}
            </div>
          ) : null}
          {s.override ? (
            <p className="override-note">
              Admin override by {s.override.byName} on <LocalTime iso={s.override.at} />: “{s.override.reason}”. Missing then: {s.override.missing.join('; ')}.
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
