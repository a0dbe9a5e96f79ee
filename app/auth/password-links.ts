// How long the links that let people set a password work (pure: pages and the server share them).

/** An invitation link works this many days (docs/security.md, "Accounts and passwords"). */
export const INVITATION_DAYS = 7;
/** A password reset link works this many minutes. */
export const RESET_MINUTES = 15;
