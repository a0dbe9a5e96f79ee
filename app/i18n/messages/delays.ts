import { defineMessages } from '../messages';

// The plan page's "waiting on you" part: a delay the vendor's team marked, for the buyer to confirm
// (docs/buyer-delays.md).
export const delayMessages = defineMessages({
  en: {
    heading: 'Waiting on your side',
    intro: '{team, select, none {Your customer success team} other {{team}}} marked the rollout as waiting on your side, on {date}:',
    askConfirm:
      'If that is right, please confirm it: it tells {team, select, none {your team} other {{team}}} the next step is yours, and they pick it up as soon as you are ready.',
    confirmButton: 'Yes, this is on our side',
    confirmedBy: 'Confirmed by {name} on {date}. Thank you: tell {team, select, none {your customer success team} other {{team}}} when it is done.',
    notRight: 'Not right? Reply to your customer success manager instead of confirming.',
    confirmedNow: 'Thank you: your confirmation is recorded.',
    alreadyConfirmed: 'This was already confirmed. Thank you.',
    ended: 'Your team has already closed this. The page shows where things stand now.',
    changed: 'This changed a moment ago. Reload the page and try again.',
    invalid: 'Choose what you confirm.',
  },
  sv: {
    heading: 'Väntar på er',
    intro: '{team, select, none {Ert kundteam} other {{team}}} har markerat att införandet väntar på något från er sida, den {date}:',
    askConfirm: 'Stämmer det får ni gärna bekräfta det: då vet {team, select, none {ert team} other {{team}}} att nästa steg ligger hos er, och tar vid så snart ni är klara.',
    confirmButton: 'Ja, det ligger hos oss',
    confirmedBy: 'Bekräftat av {name} den {date}. Tack! Hör av er till {team, select, none {ert kundteam} other {{team}}} när det är klart.',
    notRight: 'Stämmer det inte? Svara er kundansvarige i stället för att bekräfta.',
    confirmedNow: 'Tack! Er bekräftelse är registrerad.',
    alreadyConfirmed: 'Det här var redan bekräftat. Tack!',
    ended: 'Ert team har redan avslutat det här. Sidan visar hur det ligger till nu.',
    changed: 'Något ändrades nyss. Ladda om sidan och försök igen.',
    invalid: 'Välj vad ni bekräftar.',
  },
});
