// How many bytes of a request body Kept reads, by kind of endpoint. The HTTP layer
// (app/http.server.ts) enforces them while the body streams in, before any route sees it.

/** Every form post (sign-in, buyer survey and plan pages, staff forms): far above any real form. */
export const FORM_MAX_BYTES = 1024 * 1024;
/** Signed webhook events (CRM, Resend). */
export const WEBHOOK_MAX_BYTES = 256 * 1024;
/** The CSV import upload's file; the only large body Kept accepts (streamed to disk). */
export const IMPORT_MAX_BYTES = 100 * 1024 * 1024;
/** Room for the multipart framing and the form's other fields around the import file. */
export const IMPORT_ENVELOPE_BYTES = 1024 * 1024;
/**
 * After a 413, how much more of the refused body the server reads and throws away before it closes
 * the connection: a client still sending when the answer goes out (Node's fetch sends the whole
 * body first) otherwise sees a reset instead of the 413. Bounded so a refused body costs no memory
 * and little time.
 */
export const DISCARD_MAX_BYTES = 8 * 1024 * 1024;
export const DISCARD_MAX_MS = 10_000;
