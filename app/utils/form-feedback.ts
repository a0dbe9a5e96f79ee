// The contract between a page's forms and its action (see app/components/form-feedback.tsx): pure, so
// both the browser bundle and the server get it.

/** The hidden field naming the form that was submitted; actions answer with it as `form`. */
export const FORM_ID_FIELD = '_form';
/** What a form id may look like (checked on the server before it is echoed). */
export const FORM_ID = /^[a-z][a-z0-9-]{0,79}$/;
