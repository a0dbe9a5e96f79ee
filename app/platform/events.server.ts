// Domain events: what one area records, for the areas that react to it, without the recording
// area importing them. Journeys, surveys and deals call `recorded(event, facts)` after their save;
// advocacy registers its reactions in one file (app/advocacy/reactions.server.ts) that the web
// server's entry (app/entry.server.tsx) and the worker (app/worker/worker.server.ts) load.
//
// In process and after the save, not durable: a reaction that fails is logged, never thrown (the
// save it follows already happened, and its user got their answer), and a process that dies between
// the save and the reaction runs none. Each reacting area keeps one repair for that, named in
// docs/advocacy.md ("Reactions").
import type { Types } from 'mongoose';
import { logError } from '#app/utils/log.server';

type Id = string | Types.ObjectId;

/** Every event an area may record, with the facts it carries. */
export type DomainEvents = {
  /** A survey answer was applied (stored, counted): the deal may gain or lose an advocate. */
  'survey.answered': { dealId: Id; surveyId: Id; now: Date };
  /** A journey reached its terminal stage: a customer who already answered may become an advocate. */
  'journey.live': { dealId: Id; now: Date };
  /** A deal arrived (CRM webhook, CSV import) naming the Kept referral it came from. */
  'deal.referred': { dealId: Id; referralId: string; via: 'webhook' | 'import'; now: Date };
  /** A closed-won deal was recorded (form, CSV import, CRM webhook); not for a replayed one. */
  'deal.closed_won': { dealId: Id; now: Date };
  /** A journey moved from one stage to another (forward, or back by CS). */
  'journey.stage_changed': { journeyId: Id; dealId: Id; from: string; to: string; now: Date };
  /** A buyer judged a promise "Not yet" in a value survey. */
  'promise.not_kept': { dealId: Id; surveyId: Id; promiseId: Id; now: Date };
  /** A recovery case was opened (once per deal, wave and promise). */
  'recovery.opened': { caseId: Id; dealId: Id; now: Date };
  /** A recovery case was closed: delivered (recovered) or won't deliver. */
  'recovery.closed': { caseId: Id; dealId: Id; status: 'delivered' | 'wont_deliver'; now: Date };
  /** A customer became an advocate candidate. */
  'advocate.candidate': { advocateId: Id; dealId: Id; now: Date };
  /** A referral turned into a closed-won deal. */
  'referral.won': { referralId: Id; dealId: Id; now: Date };
};
export type DomainEvent = keyof DomainEvents;
type Reaction<E extends DomainEvent> = (facts: DomainEvents[E]) => Promise<unknown>;

// event -> reaction name -> reaction. Keyed by name, so loading the reactions twice (a dev rebuild)
// replaces them instead of running each twice.
const reactions = new Map<DomainEvent, Map<string, Reaction<DomainEvent>>>();

/** Registers `reaction` to run after every `event` recorded in this process. */
export function onRecorded<E extends DomainEvent>(event: E, name: string, reaction: Reaction<E>) {
  const byName = reactions.get(event) ?? new Map<string, Reaction<DomainEvent>>();
  byName.set(name, reaction as Reaction<DomainEvent>);
  reactions.set(event, byName);
}

/** The names of the reactions to `event` (for the health of a process: were they loaded?). */
export function reactionsTo(event: DomainEvent) {
  return [...(reactions.get(event)?.keys() ?? [])];
}

/**
 * Runs every reaction to `event`, one after the other, and resolves when all have run. A reaction
 * that throws is logged with the event's ids; the others still run and the caller never sees it.
 */
export async function recorded<E extends DomainEvent>(event: E, facts: DomainEvents[E]) {
  for (const [name, reaction] of reactions.get(event) ?? []) {
    try {
      await reaction(facts);
    } catch (error) {
      const ids = Object.fromEntries(
        Object.entries(facts)
          .filter(([k]) => k.endsWith('Id'))
          .map(([k, v]) => [k, String(v)]),
      );
      logError(error, { where: `reaction ${name} to ${event}`, ...ids });
    }
  }
}
