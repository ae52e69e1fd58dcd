import { z } from 'zod';

/**
 * The one typed configuration of Twofold, read from the environment (see README "Configuration").
 * Every consumer takes a `Config`; nothing else reads process.env (ACE excepted: it reads its own
 * variables, which is why the loader checks those too).
 */
export type Mode = 'development' | 'production' | 'test';

export interface Config {
  mode: Mode;
  port: number;
  host: string;
  /** Public base URL of the app: the descriptor's baseUrl. No trailing slash. */
  localBaseUrl: string;
  databaseUrl: string;
  /** The current 32-byte master key, then older keys that are still accepted for opening. */
  masterKeys: { current: Buffer; previous: Buffer[] };
  /** Where ACE fetches the RS256 keys of install hooks; undefined means Atlassian's CDN. */
  connectKeysCdnUrl: string | undefined;
  sandbox: { enabled: boolean; stateFile: string | undefined; staff: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long an uninstalled tenant's data is kept before it is purged. */
  uninstallGraceDays: number;
  /** How long a verified tenant (its sharedSecret) is trusted from memory before it is read again. */
  tenantCacheSeconds: number;
  /** How long "is this user a Jira admin?" answers are kept. */
  adminCheckCacheSeconds: number;
  /**
   * The durable job runner (src/jobs/job-runner.ts): how long an instance's claim on a job or item lasts
   * without being renewed (a dead instance's work is taken over after it), how many items of one job an
   * instance runs at once when the kind says nothing, and how often an idle instance looks for work.
   */
  jobs: { leaseSeconds: number; concurrency: number; pollMilliseconds: number };
  /** How old the directory mirror of a site may grow before a scheduled refresh; 0 turns the schedule off. */
  directoryRefreshHours: number;
}

const booleanFlag = z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']).transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const positiveInt = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(0);

/** The raw variables, as strings, before cross-field rules. */
export const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  AC_LOCAL_BASE_URL: z.url({ protocol: /^https?$/, error: 'AC_LOCAL_BASE_URL must be an http(s) URL' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'DATABASE_URL must start with sqlite: or postgres://')
    .default('sqlite:data/twofold.sqlite'),
  TWOFOLD_MASTER_KEY: z.string().min(1).optional(),
  TWOFOLD_PREVIOUS_MASTER_KEYS: z.string().optional(),
  CONNECT_KEYS_CDN_URL: z.url({ protocol: /^https?$/, error: 'CONNECT_KEYS_CDN_URL must be an http(s) URL' }).optional(),
  TWOFOLD_SANDBOX: booleanFlag.optional(),
  TWOFOLD_SANDBOX_STATE_FILE: z.string().min(1).optional(),
  TWOFOLD_SANDBOX_STAFF: positiveInt('TWOFOLD_SANDBOX_STAFF').max(100_000).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TWOFOLD_UNINSTALL_GRACE_DAYS: positiveInt('TWOFOLD_UNINSTALL_GRACE_DAYS').default(30),
  TWOFOLD_TENANT_CACHE_SECONDS: positiveInt('TWOFOLD_TENANT_CACHE_SECONDS').max(300).default(30),
  TWOFOLD_ADMIN_CACHE_SECONDS: positiveInt('TWOFOLD_ADMIN_CACHE_SECONDS').max(3600).default(60),
  TWOFOLD_JOB_LEASE_SECONDS: positiveInt('TWOFOLD_JOB_LEASE_SECONDS').min(2).max(3600).default(30),
  TWOFOLD_JOB_CONCURRENCY: positiveInt('TWOFOLD_JOB_CONCURRENCY').min(1).max(64).default(4),
  TWOFOLD_DIRECTORY_REFRESH_HOURS: positiveInt('TWOFOLD_DIRECTORY_REFRESH_HOURS')
    .max(24 * 30)
    .optional(),
  TWOFOLD_JOB_POLL_MS: positiveInt('TWOFOLD_JOB_POLL_MS').min(10).max(60000).default(1000),
  AC_OPTS: z.string().optional(),
});

export type Environment = z.infer<typeof environmentSchema>;
