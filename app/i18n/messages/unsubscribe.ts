import { defineMessages } from '../messages';

// The unsubscribe page (/u/<token>), reached from the footer of every survey, re-ask and ask.
export const unsubscribeMessages = defineMessages({
  en: {
    metaTitle: 'Unsubscribe',
    frameLabel: 'Email preferences',
    badLinkTitle: 'This unsubscribe link does not work',
    badLinkBody: 'It may have been copied incompletely. Reply to the email you received and we will stop writing to you.',
    welcomeBack: 'Welcome back',
    resubscribed: '{email} will receive value check-in surveys and requests from us again.',
    unsubscribedTitle: 'You are unsubscribed',
    unsubscribedBody: 'We will not send surveys or requests to {email} any more. Your customer success manager has been told.',
    alreadyTitle: '{email} is unsubscribed',
    alreadyBody: 'We do not send surveys or requests to this address. If you unsubscribed by mistake, or would like to hear from us again, you can re-subscribe.',
    confirmTitle: 'Unsubscribe {email}?',
    confirmBody: 'You will no longer receive value check-in surveys or requests from us at this address.',
    unsubscribe: 'Unsubscribe',
    resubscribe: 'Re-subscribe',
  },
  sv: {
    metaTitle: 'Avsluta prenumerationen',
    frameLabel: 'E-postinställningar',
    badLinkTitle: 'Länken för att avsluta prenumerationen fungerar inte',
    badLinkBody: 'Den kan ha kopierats ofullständigt. Svara på mejlet du fick, så slutar vi skriva till dig.',
    welcomeBack: 'Välkommen tillbaka',
    resubscribed: '{email} får våra uppföljningsenkäter och förfrågningar igen.',
    unsubscribedTitle: 'Din prenumeration är avslutad',
    unsubscribedBody: 'Vi skickar inte längre enkäter eller förfrågningar till {email}. Din kundansvarige har fått veta det.',
    alreadyTitle: '{email} får inga utskick',
    alreadyBody: 'Vi skickar inga enkäter eller förfrågningar till den här adressen. Om du avslutade av misstag, eller vill höra från oss igen, kan du prenumerera på nytt.',
    confirmTitle: 'Avsluta utskicken till {email}?',
    confirmBody: 'Du får inte längre några uppföljningsenkäter eller förfrågningar från oss till den här adressen.',
    unsubscribe: 'Avsluta prenumerationen',
    resubscribe: 'Prenumerera igen',
  },
});
