import { defineMessages } from '../messages';

// What every buyer page and email shares: the page frame, the email layout (greeting, footer,
// unsubscribe line, button fallback) and the generic error pages.
export const commonMessages = defineMessages({
  en: {
    poweredBy: 'Powered by Kept',
    privacyPolicy: 'Privacy policy',
    // Emails
    greeting: 'Hi {name},',
    buttonFallback: 'If the button does not work, open this link: {href}',
    unsubscribeQuestion: "Don't want these emails?",
    unsubscribe: 'Unsubscribe',
    sentByKept: 'Sent by Kept, the customer-advocacy and post-sale tracking portal.',
    sentBy: 'Sent by {vendor}.',
    dataHandling: 'How {vendor} handles your data:',
    privacyPolicyLink: 'privacy policy',
    linkWorksUntil: 'The link is personal and works until {date}.',
    thanksSignature: 'Thank you, {name}',
    // Pages
    pageFailedTitle: 'This page could not be shown',
    pageFailedReplyToEmail: 'Please try again in a moment. If it keeps happening, reply to the email you received.',
    closePage: 'You can close this page.',
    sending: 'Sending…',
    commentOptional: 'Comment (optional)',
    pageLinkWorksUntil: 'This link works until {date}.',
    thankYou: 'Thank you',
    verdictDelivered: 'Delivered',
    verdictPartly: 'Partly',
    verdictNotYet: 'Not yet',
    // Buyer-facing validation messages (the forms' schemas name these keys).
    chooseVerdict: 'Choose delivered, partly or not yet.',
    commentTooLong: 'Keep the comment under 2,000 characters.',
  },
  sv: {
    poweredBy: 'Drivs av Kept',
    privacyPolicy: 'Integritetspolicy',
    greeting: 'Hej {name}!',
    buttonFallback: 'Om knappen inte fungerar kan du öppna den här länken: {href}',
    unsubscribeQuestion: 'Vill du inte få de här mejlen?',
    unsubscribe: 'Avsluta prenumerationen',
    sentByKept: 'Skickat av Kept, portalen för kundförespråkare och uppföljning efter köpet.',
    sentBy: 'Skickat av {vendor}.',
    dataHandling: 'Så hanterar {vendor} dina uppgifter:',
    privacyPolicyLink: 'integritetspolicy',
    linkWorksUntil: 'Länken är personlig och fungerar till och med {date}.',
    thanksSignature: 'Tack, {name}',
    pageFailedTitle: 'Sidan kunde inte visas',
    pageFailedReplyToEmail: 'Försök igen om en stund. Om det fortsätter kan du svara på mejlet du fick.',
    closePage: 'Du kan stänga den här sidan.',
    sending: 'Skickar…',
    commentOptional: 'Kommentar (valfritt)',
    pageLinkWorksUntil: 'Länken fungerar till och med {date}.',
    thankYou: 'Tack',
    verdictDelivered: 'Levererat',
    verdictPartly: 'Delvis',
    verdictNotYet: 'Inte än',
    chooseVerdict: 'Välj levererat, delvis eller inte än.',
    commentTooLong: 'Håll kommentaren under 2 000 tecken.',
  },
});

/** The catalogue key of a verdict (survey and re-ask). */
export const VERDICT_KEYS = { delivered: 'verdictDelivered', partly: 'verdictPartly', not_yet: 'verdictNotYet' } as const;
