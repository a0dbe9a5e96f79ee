import crypto from 'node:crypto';

// Structured logs, one JSON object a line. Never pass tokens, passwords or secrets in `fields`.
const SECRET_KEYS = /token|password|secret|cookie|authorization|api[_-]?key/i;

function scrub(fields: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : v]));
}

function redactUrl(value: unknown) {
  // Token pages carry the secret in the path (/s/<token>, /plan/<token>, /u/<token>); the SSO
  // callback carries the provider's one-time code and the state in its query.
  return typeof value === 'string' ? value.replace(/\/(s|plan|u)\/[A-Za-z0-9_-]{8,}/g, '/$1/[token]').replace(/(\/sso\/callback)\?\S*/g, '$1?[redacted]') : value;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

export function log(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  const threshold = LEVELS[(process.env.LOG_LEVEL as Level) in LEVELS ? (process.env.LOG_LEVEL as Level) : 'info'];
  if (LEVELS[level] < threshold) return;
  const line = { level, time: new Date().toISOString(), msg, ...scrub(fields) };
  if ('url' in line) line.url = redactUrl(line.url);
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${JSON.stringify(line)}\n`);
}

/** Logs an unexpected error and returns the id shown to the user, so support can find the line. */
export function logError(error: unknown, fields: Record<string, unknown> = {}) {
  const errorId = crypto.randomBytes(6).toString('hex');
  const err = error instanceof Error ? error : new Error(String(error));
  log('error', err.message, { errorId, stack: err.stack, ...fields });
  return errorId;
}

/** Runs `task`; a failure is logged with `fields` and gives null instead of throwing (for steps a worker sweep repairs). */
export async function orLogged<T>(task: () => Promise<T>, fields: Record<string, unknown>): Promise<T | null> {
  try {
    return await task();
  } catch (error) {
    logError(error, fields);
    return null;
  }
}
