import { environmentSchema, type Config, type Environment } from './config';
import { parseMasterKey } from '../adapters/crypto/master-key';
import { SANDBOX_KEYS_PATH } from '../sandbox/paths';

/** Thrown at boot with every problem found, so that an operator can fix them all in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Twofold cannot start; fix the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /**
   * Supplies the master keys outside production when TWOFOLD_MASTER_KEY is not set
   * (the server passes one that reads credentials/, generating master.key once).
   */
  developmentMasterKeys?: () => { current: string; previous: string[] };
}

/** ACE switches that turn authentication off. Refused in every mode: there is no auth bypass. */
const AUTH_BYPASS_OPTIONS = ['no-auth', 'no-token-verfication', 'no-token-verification'];

export function loadConfig(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): Config {
  const parsed = environmentSchema.safeParse(env);
  const problems: string[] = [];
  const malformed = new Set<string>();
  let vars: Environment;
  if (parsed.success) {
    vars = parsed.data;
  } else {
    for (const issue of parsed.error.issues) {
      malformed.add(String(issue.path[0] ?? ''));
      problems.push(`${issue.path.join('.') || 'environment'}: ${issue.message}`);
    }
    // Go on checking the rest (malformed variables left out), so that one run lists every problem;
    // not when the mode itself is malformed, since the rules below depend on it.
    const rest = malformed.has('NODE_ENV')
      ? undefined
      : environmentSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([name]) => !malformed.has(name))));
    if (!rest?.success) throw new ConfigError(problems);
    vars = rest.data;
  }
  const production = vars.NODE_ENV === 'production';

  const bypass = AUTH_BYPASS_OPTIONS.filter((flag) => vars.AC_OPTS?.includes(flag));
  if (bypass.length > 0) {
    problems.push(`AC_OPTS contains ${bypass.join(', ')}: Twofold never runs with authentication turned off`);
  }

  const localBaseUrl = (vars.AC_LOCAL_BASE_URL ?? `http://localhost:${vars.PORT}`).replace(/\/+$/, '');
  if (production) {
    if (vars.AC_LOCAL_BASE_URL === undefined) {
      if (!malformed.has('AC_LOCAL_BASE_URL')) problems.push('AC_LOCAL_BASE_URL is required in production: the https URL Jira reaches the app at');
    } else if (!localBaseUrl.startsWith('https://')) {
      problems.push('AC_LOCAL_BASE_URL must be https in production: Jira Cloud installs apps over https only');
    }
  }

  if (production && vars.TWOFOLD_SANDBOX === true) {
    problems.push('TWOFOLD_SANDBOX is on: the sandbox Jira host is for development only and is refused in production');
  }

  const host = vars.HOST ?? (production ? '0.0.0.0' : '127.0.0.1');
  // Development conveniences are safe only while nobody else can reach the app: the sandbox host
  // signs installs itself, and a generated key sits in a file beside the code.
  const reachableFromOutside = !isLoopback(host);

  let masterKeyText = vars.TWOFOLD_MASTER_KEY;
  let previousKeyTexts = (vars.TWOFOLD_PREVIOUS_MASTER_KEYS ?? '').split(',');
  if (masterKeyText === undefined && !malformed.has('TWOFOLD_MASTER_KEY')) {
    if (production) {
      problems.push('TWOFOLD_MASTER_KEY is required in production (32 random bytes, base64: `openssl rand -base64 32`)');
    } else if (reachableFromOutside) {
      // Refused before the key is read or generated: no key file is written for a refused start.
      problems.push(
        `TWOFOLD_MASTER_KEY is not set, so a generated development key (credentials/master.key) would be used while HOST=${host} is not a loopback address; set TWOFOLD_MASTER_KEY, or HOST=127.0.0.1`,
      );
    } else if (options.developmentMasterKeys) {
      const keys = options.developmentMasterKeys();
      masterKeyText = keys.current;
      if (vars.TWOFOLD_PREVIOUS_MASTER_KEYS === undefined) previousKeyTexts = keys.previous;
    } else {
      problems.push('TWOFOLD_MASTER_KEY is not set');
    }
  }
  const current = masterKeyText === undefined ? undefined : parseKeyInto(masterKeyText, 'TWOFOLD_MASTER_KEY', problems);
  const previous = previousKeyTexts
    .map((text) => text.trim())
    .filter((text) => text.length > 0)
    .map((text, index) => parseKeyInto(text, `TWOFOLD_PREVIOUS_MASTER_KEYS[${index}]`, problems))
    .filter((key): key is Buffer => key !== undefined);

  if (production && vars.CONNECT_KEYS_CDN_URL?.startsWith('http://')) {
    problems.push(
      'CONNECT_KEYS_CDN_URL must be https in production: install hooks are verified with the keys it serves, so keys fetched over http let anyone forge an install',
    );
  }

  const sandboxEnabled = !production && (vars.TWOFOLD_SANDBOX ?? vars.NODE_ENV === 'development');
  if (reachableFromOutside && sandboxEnabled && !malformed.has('TWOFOLD_SANDBOX')) {
    problems.push(`TWOFOLD_SANDBOX: the sandbox Jira host is on while HOST=${host} is not a loopback address; set HOST=127.0.0.1, or TWOFOLD_SANDBOX=false`);
  }

  if (problems.length > 0 || current === undefined) throw new ConfigError(problems);

  return {
    mode: vars.NODE_ENV,
    port: vars.PORT,
    host,
    localBaseUrl,
    databaseUrl: vars.DATABASE_URL,
    masterKeys: { current, previous },
    // With the sandbox on, install hooks are signed by the sandbox host, which serves its own keys.
    connectKeysCdnUrl: vars.CONNECT_KEYS_CDN_URL?.replace(/\/+$/, '') ?? (sandboxEnabled ? `${localBaseUrl}${SANDBOX_KEYS_PATH}` : undefined),
    sandbox: {
      enabled: sandboxEnabled,
      stateFile: vars.TWOFOLD_SANDBOX_STATE_FILE ?? (vars.NODE_ENV === 'development' ? 'data/sandbox-host.json' : undefined),
      // `npm start` has a group big enough to try a rollout and paging; tests count on the six people alone.
      staff: vars.TWOFOLD_SANDBOX_STAFF ?? (vars.NODE_ENV === 'development' ? 200 : 0),
    },
    logLevel: vars.LOG_LEVEL,
    uninstallGraceDays: vars.TWOFOLD_UNINSTALL_GRACE_DAYS,
    tenantCacheSeconds: vars.TWOFOLD_TENANT_CACHE_SECONDS,
    adminCheckCacheSeconds: vars.TWOFOLD_ADMIN_CACHE_SECONDS,
    // Tests start refreshes themselves; a schedule firing in the middle of one would change what it reads.
    directoryRefreshHours: vars.TWOFOLD_DIRECTORY_REFRESH_HOURS ?? (vars.NODE_ENV === 'test' ? 0 : 24),
    jobs: { leaseSeconds: vars.TWOFOLD_JOB_LEASE_SECONDS, concurrency: vars.TWOFOLD_JOB_CONCURRENCY, pollMilliseconds: vars.TWOFOLD_JOB_POLL_MS },
  };
}

function parseKeyInto(text: string, name: string, problems: string[]): Buffer | undefined {
  try {
    return parseMasterKey(text);
  } catch (error) {
    problems.push(`${name}: ${(error as Error).message}`);
    return undefined;
  }
}

/** Addresses only this machine can reach: 127.0.0.0/8, ::1 and the name localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  if (/^::ffff:127\.\d+\.\d+\.\d+$/.test(bare)) return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
