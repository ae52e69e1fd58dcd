import { TwoFactorIds } from '../../../../src/domain/idmap/two-factor-ids';
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
  const audit = new InMemoryAuditLog();
  const credentials = new InMemoryTotpCredentials({ backupCodes, sessions });
  backupCodes.linked = { failures, sessions, audit };
  const mappings = new InMemoryIdMappings();
  const directory = new FakeDirectory([
    { accountId: ALICE, displayName: 'Alice', emailAddress: 'Alice@Example.com', active: true, groups: ['admins', 'developers'] },
    { accountId: 'bob-account', displayName: 'Bob', emailAddress: null, active: true, groups: ['qa'] },
  ]);
  const policy: TenantPolicy = { ...defaultPolicy(TENANT.baseUrl), ...overrides };
  const ids = new TwoFactorIds(mappings, directory, audit, clock);
  const stepUp = new StepUp(credentials, sessions, clock);
  const state = {
    read: async (tenant: string, accountId: string) => ({ credential: await credentials.findActive(tenant, accountId), user: failures.user(tenant, accountId), tenant: failures.tenant(tenant) }),
  };
  const verification = new VerificationService({ state, credentials, backupCodes, failures, sessions, audit, clock });
  const enrollment = new EnrollmentService({ credentials, state, failures, sessions, ids, stepUp, audit, clock, random });
  const factors = new FactorManagement({ credentials, backupCodes, failures, stepUp, audit, clock, random });
  const status = new FactorStatusService({ credentials, sessions, ids, directory, clock });

  /** Enrolls `accountId` and confirms with the current step's code; returns the secret and backup codes. */
  async function enrolled(accountId = ALICE, params: Partial<Pick<TenantPolicy['totp'], 'algorithm' | 'digits' | 'period'>> = {}) {
    const started = await enrollment.start(TENANT, accountId, policy, params);
    const step = timeStepAt(clock.now(), started.params.period);
    const { backupCodes: codes } = await enrollment.confirm(TENANT, accountId, policy, totpAtStep(started.secret, step, started.params));
    const codeAt = (offset = 0) => totpAtStep(started.secret, timeStepAt(clock.now(), started.params.period) + offset, started.params);
    /** A well-formed code (the credential's digit count) that the credential does not produce anywhere near now. */
    const wrongCode = (from = 0): string => {
      const near = new Set([-4, -3, -2, -1, 0, 1, 2, 3, 4].map((offset) => codeAt(offset)));
      for (let candidate = from; ; candidate += 1) {
        const code = String(candidate).padStart(started.params.digits, '0');
        if (!near.has(code)) return code;
      }
    };
    return { ...started, confirmedStep: step, backupCodes: codes, codeAt, wrongCode };
  }

  const context = (accountId = ALICE, p: TenantPolicy = policy) => ({ tenant: TENANT.clientKey, accountId, policy: p });

  return { clock, random, credentials, backupCodes, failures, sessions, audit, mappings, directory, policy, ids, stepUp, verification, enrollment, factors, status, enrolled, context };
}
