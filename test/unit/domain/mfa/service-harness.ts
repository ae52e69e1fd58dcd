import { TwoFactorIds } from '../../../../src/domain/idmap/two-factor-ids';
import { BrowserSessions } from '../../../../src/domain/mfa/browser-session';
import { EnrollmentService } from '../../../../src/domain/mfa/enrollment-service';
import { FactorManagement } from '../../../../src/domain/mfa/factor-management';
import { FactorStatusService } from '../../../../src/domain/mfa/factor-status';
import { StepUp } from '../../../../src/domain/mfa/step-up';
import { timeStepAt, totpAtStep } from '../../../../src/domain/mfa/totp';
import { VerificationService } from '../../../../src/domain/mfa/verification-service';
import { defaultPolicy, type TenantPolicy } from '../../../../src/domain/policy/policy';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { SeededRandom } from './fixtures';
import {
  FakeDirectory,
  InMemoryAuditLog,
  InMemoryBackupCodes,
  InMemoryBrowserSessions,
  InMemoryFailureCounters,
  InMemoryIdMappings,
  InMemorySessions,
  InMemoryTotpCredentials,
  tenantNamed,
} from './in-memory-repositories';

export const T0 = new Date('2024-05-01T12:00:00Z'); // a 60-second boundary
export const TENANT = tenantNamed('tenant-a');
export const ALICE = 'alice-account';

/** The MFA services on in-memory repositories with a frozen clock and a seeded random source. */
export function harness(overrides: Partial<TenantPolicy> = {}) {
  const clock = new FixedClock(T0);
  const random = new SeededRandom('harness');
  const backupCodes = new InMemoryBackupCodes();
  const failures = new InMemoryFailureCounters();
  const sessions = new InMemorySessions();
  const browserSessionRows = new InMemoryBrowserSessions();
  const browserSessions = new BrowserSessions(browserSessionRows, clock);
  const audit = new InMemoryAuditLog();
  const credentials = new InMemoryTotpCredentials({ backupCodes, sessions });
  backupCodes.linked = { failures, sessions, browserSessions: browserSessionRows, audit };
  const mappings = new InMemoryIdMappings();
  const directory = new FakeDirectory([
    { accountId: ALICE, displayName: 'Alice', emailAddress: 'Alice@Example.com', active: true, groups: ['admins', 'developers'] },
    { accountId: 'bob-account', displayName: 'Bob', emailAddress: null, active: true, groups: ['qa'] },
  ]);
  const policy: TenantPolicy = { ...defaultPolicy(TENANT.baseUrl), ...overrides };
  const ids = new TwoFactorIds(mappings, directory, audit, clock);
  const state = {
    read: async (tenant: string, accountId: string) => ({
      credential: await credentials.findActive(tenant, accountId),
      user: failures.user(tenant, accountId),
      tenant: failures.tenant(tenant),
    }),
  };
  const verification = new VerificationService({
    state,
    credentials,
    backupCodes,
    failures,
    sessions,
    browserSessions: browserSessionRows,
    audit,
    clock,
    random,
  });
  const stepUp = new StepUp(credentials, browserSessions, verification, clock);
  const enrollment = new EnrollmentService({ credentials, state, failures, sessions, browserSessions: browserSessionRows, ids, stepUp, audit, clock, random });
  const factors = new FactorManagement({ credentials, backupCodes, failures, stepUp, browserSessions, audit, clock, random });
  // The status read as the database adapter answers it, from the in-memory tables.
  const reader = {
    read: async (tenant: string, accountId: string, browserTokenHash: string | null, now: Date) => ({
      enrollment: await credentials.enrollmentState(tenant, accountId),
      lastSession: await sessions.find(tenant, accountId),
      browserSession: browserTokenHash === null ? null : await browserSessionRows.find(tenant, accountId, browserTokenHash),
      idMapping: await mappings.find(tenant, accountId),
      lockedUntil: (await failures.lockedUntilMany(tenant, [accountId], now)).get(accountId) ?? null,
    }),
  };
  const status = new FactorStatusService({ reader, ids, directory, clock });

  // Each user's unused backup codes from their last enrollment: replacing a factor needs a code of the old one.
  const spare = new Map<string, string[]>();

  /**
   * Enrolls `accountId` and confirms with the current step's code; returns the secret, the backup codes
   * and the confirming browser's session credential. Replacing an earlier enrollment spends one of its
   * backup codes as the code for the action.
   */
  async function enrolled(accountId = ALICE, params: Partial<Pick<TenantPolicy['totp'], 'algorithm' | 'digits' | 'period'>> = {}) {
    const previous = spare.get(accountId)?.pop();
    const started = await enrollment.start(TENANT, accountId, policy, params, previous === undefined ? null : { backupCode: previous });
    const step = timeStepAt(clock.now(), started.params.period);
    const { backupCodes: codes, sessionToken } = await enrollment.confirm(TENANT, accountId, policy, totpAtStep(started.secret, step, started.params));
    const codeAt = (offset = 0) => totpAtStep(started.secret, timeStepAt(clock.now(), started.params.period) + offset, started.params);
    /** A well-formed code (the credential's digit count) that the credential does not produce anywhere near now. */
    const wrongCode = (from = 0): string => {
      const near = new Set([-4, -3, -2, -1, 0, 1, 2, 3, 4].map((offset) => codeAt(offset)));
      for (let candidate = from; ; candidate += 1) {
        const code = String(candidate).padStart(started.params.digits, '0');
        if (!near.has(code)) return code;
      }
    };
    spare.set(accountId, [...codes]);
    return { ...started, confirmedStep: step, backupCodes: codes, sessionToken, codeAt, wrongCode };
  }

  const context = (accountId = ALICE, p: TenantPolicy = policy) => ({ tenant: TENANT.clientKey, accountId, policy: p });

  return {
    clock,
    random,
    credentials,
    backupCodes,
    failures,
    sessions,
    browserSessionRows,
    browserSessions,
    audit,
    mappings,
    directory,
    policy,
    ids,
    stepUp,
    verification,
    enrollment,
    factors,
    status,
    enrolled,
    context,
  };
}
