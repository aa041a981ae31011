import path from 'node:path';
import { z } from 'zod';

const roleSchema = z.enum(['api', 'scheduler', 'worker']);
export type ProcessRole = z.infer<typeof roleSchema>;

/**
 * Deliveries a worker claims at once, by database. On PostgreSQL 200 keeps what a crash can send
 * twice small (the batch sending and the one being recorded) at 5–15% below what larger batches
 * reach. Embedded PGlite pays about 3 ms for each of a batch's statements whatever its size
 * (planning and the wire protocol in WebAssembly, the hop to its thread), so there 1,000 is
 * what reaches 5,000 webhooks/s: 4,072–4,706/s at 200, 4,515–5,290 at 500, 6,211–6,248 at
 * 1,000 (docs/benchmarks.md). One process holds it all, so the larger window is one process's.
 */
export const defaultWorkerBatchSize = { postgres: 200, pglite: 1000 } as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  HERALD_DATA_DIR: z.string().default('./data'),
  HERALD_ROLES: z
    .string()
    .default('api,scheduler,worker')
    .transform((value) => value.split(',').map((role) => role.trim()).filter(Boolean))
    .pipe(z.array(roleSchema).min(1)),
  HERALD_PUBLIC_URL: z.string().url().optional(),
  // "something@something", not z.email(): the default, admin@localhost, has no dot in its
  // domain, and setting it explicitly must not stop the process.
  HERALD_ADMIN_EMAIL: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address').default('admin@localhost'),
  HERALD_ADMIN_PASSWORD: z.string().min(8).optional(),
  HERALD_SECRET: z.string().min(16).optional(),
  HERALD_CATCHUP_WINDOW_MINUTES: z.coerce.number().int().min(0).default(360),
  HERALD_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  HERALD_WORKER_INTERVAL_MS: z.coerce.number().int().min(10).default(250),
  HERALD_WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).optional(),
  HERALD_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  HERALD_LIMIT_WINDOW_SCALE: z.coerce.number().positive().max(1).default(1),
  HERALD_WEB_DIR: z.string().optional(),
  SMTP_URL: z.string().url().optional(),
  SMTP_FROM: z.string().default('Herald <herald@localhost>'),
  HERALD_UNSUBSCRIBE_MAILTO: z.string().email().optional(),
  SMS_AUTH_TOKEN: z.string().min(1).optional(),
  SMS_API_URL: z.string().url().default('https://api.twilio.com'),
  SMS_ACCOUNT_SID: z.string().min(1).optional(),
  SMS_FROM: z.string().min(1).optional(),
  PUSH_VAPID_SUBJECT: z.string().regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: address or an https: URL').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  roles: ProcessRole[];
  publicUrl: string;
  adminEmail: string;
  adminPassword: string | undefined;
  secret: string | undefined;
  catchUpWindowMinutes: number;
  schedulerIntervalMs: number;
  workerIntervalMs: number;
  /** deliveries a worker claims at once; undefined: the database's default (defaultWorkerBatchSize) */
  workerBatchSize: number | undefined;
  workerConcurrency: number;
  /** multiplies the length of every rate-limit and frequency-cap window: 1, except in tests that cannot wait a minute */
  limitWindowScale: number;
  webDir: string | undefined;
  smtpUrl: string | undefined;
  smtpFrom: string;
  /** the mailbox named in List-Unsubscribe's mailto: (default: SMTP_FROM's address); someone must act on what arrives there */
  unsubscribeMailto: string | undefined;
  /** the SMS provider's auth token: signs its status callbacks (X-Twilio-Signature) */
  smsAuthToken: string | undefined;
  /** base URL of the Twilio-compatible SMS API, without a trailing slash */
  smsApiUrl: string;
  /** the SMS account; with SMS_AUTH_TOKEN and SMS_FROM it turns the SMS channel on */
  smsAccountSid: string | undefined;
  /** the sending number, or a messaging service SID (MG…) */
  smsFrom: string | undefined;
  /** who runs this Herald, for push services (VAPID `sub`): mailto: or https: */
  pushVapidSubject: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
};

/** Reads Herald's configuration from environment variables; throws a readable error naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  // Half an SMS setup is a typo, not a choice: say so at start rather than fail every send.
  if (e.SMS_ACCOUNT_SID || e.SMS_FROM) {
    const missing = (['SMS_ACCOUNT_SID', 'SMS_AUTH_TOKEN', 'SMS_FROM'] as const).filter((name) => !e[name]);
    if (missing.length > 0) throw new Error(`Invalid configuration:\n${missing.map((name) => `  ${name}: is required to send SMS`).join('\n')}`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.HERALD_DATA_DIR),
    roles: e.HERALD_ROLES,
    publicUrl: (e.HERALD_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    adminEmail: e.HERALD_ADMIN_EMAIL,
    adminPassword: e.HERALD_ADMIN_PASSWORD,
    secret: e.HERALD_SECRET,
    catchUpWindowMinutes: e.HERALD_CATCHUP_WINDOW_MINUTES,
    schedulerIntervalMs: e.HERALD_SCHEDULER_INTERVAL_MS,
    workerIntervalMs: e.HERALD_WORKER_INTERVAL_MS,
    workerBatchSize: e.HERALD_WORKER_BATCH_SIZE,
    workerConcurrency: e.HERALD_WORKER_CONCURRENCY,
    limitWindowScale: e.HERALD_LIMIT_WINDOW_SCALE,
    webDir: e.HERALD_WEB_DIR,
    smtpUrl: e.SMTP_URL,
    smtpFrom: e.SMTP_FROM,
    unsubscribeMailto: e.HERALD_UNSUBSCRIBE_MAILTO ?? addressOf(e.SMTP_FROM),
    smsAuthToken: e.SMS_AUTH_TOKEN,
    smsApiUrl: e.SMS_API_URL.replace(/\/+$/, ''),
    smsAccountSid: e.SMS_ACCOUNT_SID,
    smsFrom: e.SMS_FROM,
    pushVapidSubject: e.PUSH_VAPID_SUBJECT ?? `mailto:${e.HERALD_ADMIN_EMAIL}`,
    logLevel: e.LOG_LEVEL,
  };
}

/** The address in a From value (`Herald <news@example.com>` or `news@example.com`); undefined when there is none. */
function addressOf(from: string): string | undefined {
  const address = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ?? from.trim();
  return z.string().email().safeParse(address).success ? address : undefined;
}
