import { defineMessages } from '../messages';

// What every buyer page and email shares: the frame (footer), generic buttons and errors.
export const commonMessages = defineMessages({
  en: {
    poweredBy: 'Powered by Kept',
    privacyPolicy: 'Privacy policy',
  },
  sv: {
    poweredBy: 'Drivs av Kept',
    privacyPolicy: 'Integritetspolicy',
  },
});
