import type { Locale } from '../locales';
import { defineMessages, translateEnglish } from '../messages';

// The stage names and buyer actions of the playbook Kept ships with (DEFAULT_PLAYBOOK_STAGES takes
// its English from here). A playbook stores one wording; buyers read Kept's shipped wording in their
// own language, and an admin's own wording as the admin wrote it (docs/i18n.md).
export const playbookMessages = defineMessages({
  en: {
    'stage.handoff': 'Handoff',
    'stage.implementation': 'Implementation',
    'stage.live': 'Live',
    'action.handoff-call': 'Attends the handoff call with the implementation team',
    'action.kickoff-confirmed': 'Confirms the kickoff date and the promises recorded in the sale',
    'action.plan-signed-off': 'Signs off the implementation plan',
    'action.production-ready': 'Confirms the solution is ready for production',
  },
  sv: {
    'stage.handoff': 'Överlämning',
    'stage.implementation': 'Införande',
    'stage.live': 'I drift',
    'action.handoff-call': 'Deltar i överlämningsmötet med införandeteamet',
    'action.kickoff-confirmed': 'Bekräftar startdatumet och löftena som registrerades vid köpet',
    'action.plan-signed-off': 'Godkänner införandeplanen',
    'action.production-ready': 'Bekräftar att lösningen är redo för drift',
  },
});

/** A stage name or buyer action (a buyer task's title) as a buyer reads it: Kept's shipped wording in their language, an admin's own as written. */
export function playbookText(locale: Locale, text: string) {
  return translateEnglish([playbookMessages], locale, text);
}
