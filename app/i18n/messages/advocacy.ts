import { defineMessages } from '../messages';

// Emails that ask a happy customer for something: a referral, a reference call, a case study, or
// a review. Neutral wording on purpose: one question, no pressure, "no" is a fine answer.
export const advocacyMessages = defineMessages({
  en: {
    askReason: 'You receive this email because you work with us at {account} and said you might be open to this.',
    askFrom: 'A question from {sender}: {ask}',
    askNoPressure: 'Saying no, or not answering, is perfectly fine and changes nothing in how we work with {account}. Reply to {email} either way.',
    referralSubject: 'A question about introductions',
    referralAsk: 'do you know another company that faces the challenges you brought to us? If so, would you be open to introducing us (a referral)?',
    referralWhat:
      'If yes, a reply with the company’s name (and a contact, if you are comfortable sharing one) is all we need. We will mention that you introduced us only if you agree.',
    referenceSubject: 'Would you speak with a company like yours?',
    referenceAsk: 'would you be willing to be a reference: a short call (about 20 minutes) with a company considering us, to share your own experience, good and bad?',
    referenceWhat: 'If yes, reply and we will agree a time that suits you. You would never be asked more than once in a while.',
    caseStudySubject: 'Would you tell your story with us?',
    caseStudyAsk: 'would you be open to a case study: a short interview about what you set out to do and what happened, written up with you and published only with your approval?',
    caseStudyWhat: 'If yes, reply and we will send the questions in advance. You review every word before anything is published.',
    reviewSubject: 'Would you review us on {platform}?',
    ourReviewPage: 'our review page',
    reviewReason: 'You receive this email because {account} has used our product for a while; we invite every customer at this stage.',
    reviewInvite:
      'We invite every customer who has used our product for a while to review us on {platform}. We would value your honest opinion, whatever it is: positive, critical or mixed. Other buyers learn most from reviews that say what worked and what did not.',
    reviewButton: 'Write a review',
    reviewIncentive: 'As a thank-you for your time, everyone who writes a review receives the same thing, whatever their rating: {incentive}.',
    reviewNoIncentive: 'There is no reward for reviewing, and no review is expected: it is entirely up to you.',
  },
  sv: {
    askReason: 'Du får det här mejlet eftersom du arbetar med oss på {account} och har sagt att du kanske är öppen för det här.',
    askFrom: 'En fråga från {sender}: {ask}',
    askNoPressure:
      'Det går alldeles utmärkt att tacka nej eller att inte svara, och det ändrar ingenting i hur vi arbetar med {account}. Svara till {email} i vilket fall som helst.',
    referralSubject: 'En fråga om introduktioner',
    referralAsk: 'känner du till något annat företag som har samma utmaningar som ni kom till oss med? Skulle du i så fall vilja introducera oss (en rekommendation)?',
    referralWhat:
      'Om svaret är ja räcker det med ett svar med företagets namn (och en kontaktperson, om du vill dela en). Vi nämner bara att det var du som tipsade oss om du går med på det.',
    referenceSubject: 'Skulle du vilja prata med ett företag som liknar ert?',
    referenceAsk:
      'skulle du kunna tänka dig att vara referens: ett kort samtal (ungefär 20 minuter) med ett företag som överväger oss, där du berättar om dina egna erfarenheter, både bra och dåliga?',
    referenceWhat: 'Om svaret är ja kan du svara på mejlet, så bestämmer vi en tid som passar dig. Vi frågar aldrig mer än någon enstaka gång.',
    caseStudySubject: 'Vill du berätta er historia tillsammans med oss?',
    caseStudyAsk:
      'skulle du vara öppen för en kundberättelse: en kort intervju om vad ni ville uppnå och hur det gick, som vi skriver tillsammans med dig och publicerar bara om du godkänner den?',
    caseStudyWhat: 'Om svaret är ja kan du svara på mejlet, så skickar vi frågorna i förväg. Du läser varje ord innan något publiceras.',
    reviewSubject: 'Vill du recensera oss på {platform}?',
    ourReviewPage: 'vår recensionssida',
    reviewReason: 'Du får det här mejlet eftersom {account} har använt vår produkt ett tag. Vi bjuder in alla kunder som kommit så här långt.',
    reviewInvite:
      'Vi bjuder in alla kunder som har använt vår produkt ett tag att recensera oss på {platform}. Vi uppskattar din ärliga åsikt, vilken den än är: positiv, kritisk eller blandad. Andra köpare har mest nytta av recensioner som berättar vad som fungerade och vad som inte gjorde det.',
    reviewButton: 'Skriv en recension',
    reviewIncentive: 'Som tack för din tid får alla som skriver en recension samma sak, oavsett betyg: {incentive}.',
    reviewNoIncentive: 'Det finns ingen belöning för att recensera och ingen förväntar sig en recension: det är helt upp till dig.',
  },
});
