import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** Every environment variable Kept reads, validated once at start (see .env.example). */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  SESSION_SECRET: z.string().min(16, 'must be at least 16 characters; several secrets may be given comma-separated, newest first'),
  APP_URL: z.string().url().default('http://localhost:3000'),
  RESEND_API_KEY: z.string().optional(),
  RESEND_BASE_URL: z.string().url().optional(),
  EMAIL_FROM: z.string().default('Kept <kept@example.com>'),
  EMAIL_RATE_PER_SECOND: z.coerce.number().positive().default(2),
  CRM_WEBHOOK_SECRET: z.string().optional(),
  RESEND_WEBHOOK_SECRET: z.string().optional(),
  SURVEY_REMINDER_DAYS: z.coerce.number().positive().max(365).default(7),
  SURVEY_EXPIRY_DAYS: z.coerce.number().positive().max(365).default(30),
  // Advocacy: one ask budget per contact and per account (asks and survey emails within the window).
  ASK_BUDGET_DAYS: z.coerce.number().int().min(1).max(730).default(90),
  ASK_BUDGET_PER_CONTACT: z.coerce.number().int().min(1).max(20).default(1),
  ASK_BUDGET_PER_ACCOUNT: z.coerce.number().int().min(1).max(100).default(3),
  ASK_NO_RESPONSE_DAYS: z.coerce.number().int().min(1).max(365).default(21),
  REVIEW_MIN_TENURE_DAYS: z.coerce.number().int().min(0).max(3650).default(90),
  TRUST_PROXY: bool,
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .positive()
    .default(60 * 12),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 7),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // List pages from in-memory read indexes kept fresh by a change feed (the embedded FerretDB
  // scans for every non-_id filter); `off` queries the database (MongoDB serves them from indexes).
  READ_INDEX: z.enum(['memory', 'off']).default('memory'),
  // Files the app keeps on disk (uploaded CSVs waiting for their import), owner-only; relative to the working directory.
  KEPT_DATA_DIR: z.string().min(1).default('.data'),
});

export type Env = z.infer<typeof EnvSchema>;

let cached: Env | undefined;

/** Parses process.env; throws one error naming every missing or bad variable. */
export function getEnv(source: Record<string, string | undefined> = process.env): Env {
  if (cached && source === process.env) return cached;
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join('\n')}\nSee .env.example.`);
  }
  if (source === process.env) cached = parsed.data;
  return parsed.data;
}

/** For tests that change process.env between cases. */
export function resetEnvCache() {
  cached = undefined;
}
