import { idPatternProblem } from '../idmap/id-pattern';
import { isUsableIssuer } from '../mfa/key-uri';
import { hasUnsafeCharacters, UNSAFE_CHARACTERS_PROBLEM } from '../text/unsafe-characters';
import { OTP_ALGORITHMS, OTP_DIGITS, TOTP_PERIODS, isOtpAlgorithm, isOtpDigits, isTotpPeriod } from '../mfa/otp-parameters';
import { MAX_SESSION_MINUTES } from '../mfa/session';
import { MAX_TOTP_WINDOW } from '../mfa/verify-totp';
import { parseCidr } from './ip-safe-zones';
import { GATE_GRACE_MINUTES, POLICY_METHODS, type PolicyMethod, type TenantPolicy } from './policy';

/**
 * Checking and applying a policy change (`PUT /api/v1/admin/policy`). The body may carry any subset
 * of the fields; nested blocks (`totp`, `lockout`, `branding`) merge field by field. Every problem is
 * collected, so that the answer (`400 invalid_policy`) names each bad field at once; with any problem
 * nothing is applied.
 */

export interface PolicyProblem {
  /** Dotted path, e.g. `totp.window`, `ipSafeZones.2`. */
  readonly field: string;
  readonly problem: string;
}

export type PolicyUpdateResult =
  | { readonly ok: true; readonly policy: TenantPolicy; /** Top-level fields whose value changed. */ readonly changed: string[] }
  | { readonly ok: false; readonly problems: PolicyProblem[] };

const MAX_GROUPS = 100;
const MAX_GROUP_NAME = 255;
const MAX_ZONES = 100;
const MAX_COMPANY_NAME = 128;
const MAX_SERVICE_NAME = 64;
const NESTED = {
  totp: ['algorithm', 'digits', 'period', 'window'],
  lockout: ['maxFailures', 'windowMinutes', 'tenantMaxFailures'],
  branding: ['serviceName', 'companyName', 'color'],
  gate: ['basicAuth', 'readGraceMinutes', 'writeGraceMinutes', 'trustedProxies', 'selfEnrollment'],
  accessPass: ['showSymbol'],
} as const;
const TOP_LEVEL = [
  'enforcedGroups',
  'idPattern',
  'allowUserChosenId',
  'writeBack',
  'sessionTimeoutMinutes',
  'stepUpMinutes',
  'ipSafeZones',
  'methods',
  'totp',
  'lockout',
  'branding',
  'gate',
  'confirmEmailOnEnrollment',
  'accessPass',
] as const;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isIntIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Merges `input` over `current` and checks the result. */
export function applyPolicyUpdate(current: TenantPolicy, input: unknown): PolicyUpdateResult {
  const problems: PolicyProblem[] = [];
  const add = (field: string, problem: string) => problems.push({ field, problem });
  if (!isRecord(input)) return { ok: false, problems: [{ field: '(body)', problem: 'must be a JSON object' }] };

  for (const key of Object.keys(input)) {
    if (!(TOP_LEVEL as readonly string[]).includes(key)) add(key, 'is not a policy field');
  }
  const merged: Record<string, unknown> = { ...current };
  for (const key of TOP_LEVEL) {
    if (!(key in input)) continue;
    const value = input[key];
    if (key in NESTED) {
      if (!isRecord(value)) {
        add(key, 'must be an object');
        continue;
      }
      for (const inner of Object.keys(value)) {
        if (!(NESTED[key as keyof typeof NESTED] as readonly string[]).includes(inner)) add(`${key}.${inner}`, 'is not a policy field');
      }
      merged[key] = { ...(current[key as keyof typeof NESTED] as object), ...value };
    } else {
      merged[key] = value;
    }
  }

  const policy = checkPolicy(merged, add);
  if (problems.length > 0 || policy === null) return { ok: false, problems };
  const changed = TOP_LEVEL.filter((key) => JSON.stringify(policy[key]) !== JSON.stringify(current[key]));
  return { ok: true, policy, changed };
}

/**
 * Checks a whole policy document (also a stored one, which may predate a rule). Returns the
 * normalised policy, or null after reporting each problem through `add`.
 */
export function checkPolicy(doc: Record<string, unknown>, add: (field: string, problem: string) => void): TenantPolicy | null {
  let ok = true;
  const fail = (field: string, problem: string) => {
    ok = false;
    add(field, problem);
  };

  const groups = doc.enforcedGroups;
  let enforcedGroups: string[] = [];
  if (!Array.isArray(groups) || groups.length > MAX_GROUPS) fail('enforcedGroups', `must be a list of at most ${MAX_GROUPS} group names`);
  else {
    groups.forEach((group, index) => {
      if (typeof group !== 'string' || group.trim().length === 0 || group.length > MAX_GROUP_NAME) fail(`enforcedGroups.${index}`, 'must be a group name');
      else if (hasUnsafeCharacters(group)) fail(`enforcedGroups.${index}`, UNSAFE_CHARACTERS_PROBLEM);
    });
    enforcedGroups = [...new Set(groups.filter((g): g is string => typeof g === 'string').map((g) => g.trim()))];
  }

  const idProblem = idPatternProblem(doc.idPattern);
  if (idProblem !== null) fail('idPattern', idProblem);
  if (typeof doc.allowUserChosenId !== 'boolean') fail('allowUserChosenId', 'must be true or false');
  if (typeof doc.writeBack !== 'boolean') fail('writeBack', 'must be true or false');
  if (!isIntIn(doc.sessionTimeoutMinutes, 0, MAX_SESSION_MINUTES))
    fail('sessionTimeoutMinutes', `must be a whole number of minutes from 0 (as long as allowed) to ${MAX_SESSION_MINUTES}`);
  if (!isIntIn(doc.stepUpMinutes, 1, 60)) fail('stepUpMinutes', 'must be a whole number of minutes from 1 to 60');

  const zones = doc.ipSafeZones;
  let ipSafeZones: string[] = [];
  if (!Array.isArray(zones) || zones.length > MAX_ZONES) fail('ipSafeZones', `must be a list of at most ${MAX_ZONES} CIDR ranges`);
  else {
    zones.forEach((zone, index) => {
      const parsed = parseCidr(zone);
      if (parsed.ok) ipSafeZones.push(parsed.normalized);
      else fail(`ipSafeZones.${index}`, parsed.problem);
    });
    ipSafeZones = [...new Set(ipSafeZones)];
  }

  const methods = doc.methods;
  let methodList: PolicyMethod[] = [];
  if (!Array.isArray(methods)) fail('methods', `must be a list of ${POLICY_METHODS.join(', ')}`);
  else {
    methods.forEach((method, index) => {
      if (!(POLICY_METHODS as readonly unknown[]).includes(method)) fail(`methods.${index}`, `must be one of ${POLICY_METHODS.join(', ')}`);
    });
    methodList = POLICY_METHODS.filter((method) => methods.includes(method));
    // Backup codes back up a primary factor; today that is TOTP.
    if (!methodList.includes('totp')) fail('methods', 'must include totp');
  }

  const totp = isRecord(doc.totp) ? doc.totp : {};
  if (!isOtpAlgorithm(totp.algorithm)) fail('totp.algorithm', `must be one of ${OTP_ALGORITHMS.join(', ')}`);
  if (!isOtpDigits(totp.digits)) fail('totp.digits', `must be one of ${OTP_DIGITS.join(', ')}`);
  if (!isTotpPeriod(totp.period)) fail('totp.period', `must be one of ${TOTP_PERIODS.join(', ')} (seconds)`);
  if (!isIntIn(totp.window, 0, MAX_TOTP_WINDOW)) fail('totp.window', `must be a whole number from 0 to ${MAX_TOTP_WINDOW}`);

  const lockout = isRecord(doc.lockout) ? doc.lockout : {};
  if (!isIntIn(lockout.maxFailures, 1, 100)) fail('lockout.maxFailures', 'must be a whole number from 1 to 100');
  if (!isIntIn(lockout.windowMinutes, 1, 1440)) fail('lockout.windowMinutes', 'must be a whole number of minutes from 1 to 1440');
  const floor = isIntIn(lockout.maxFailures, 1, 100) ? lockout.maxFailures : 1;
  if (!isIntIn(lockout.tenantMaxFailures, floor, 1_000_000)) fail('lockout.tenantMaxFailures', 'must be a whole number from lockout.maxFailures to 1000000');

  const branding = isRecord(doc.branding) ? doc.branding : {};
  const serviceName = typeof branding.serviceName === 'string' ? branding.serviceName.trim() : '';
  if (serviceName.length === 0 || serviceName.length > MAX_SERVICE_NAME || !isUsableIssuer(serviceName)) {
    fail('branding.serviceName', `must be 1 to ${MAX_SERVICE_NAME} printable characters without a colon`);
  }
  const companyName = typeof branding.companyName === 'string' ? branding.companyName.trim() : null;
  if (companyName === null || companyName.length > MAX_COMPANY_NAME) fail('branding.companyName', `must be text of at most ${MAX_COMPANY_NAME} characters`);
  else if (hasUnsafeCharacters(companyName)) fail('branding.companyName', UNSAFE_CHARACTERS_PROBLEM);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (companyName === null || companyName.length > MAX_COMPANY_NAME || /[\u0000-\u001f\u007f]/.test(companyName)) {
    fail('branding.companyName', `must be text of at most ${MAX_COMPANY_NAME} characters`);
  }
  if (typeof doc.confirmEmailOnEnrollment !== 'boolean') fail('confirmEmailOnEnrollment', 'must be true or false');

  const color = typeof branding.color === 'string' ? branding.color.trim().toLowerCase() : '';
  if (!/^#[0-9a-f]{6}$/.test(color)) fail('branding.color', 'must be a hex colour such as #0c66e4');

  const gate = isRecord(doc.gate) ? doc.gate : {};
  if (gate.basicAuth !== 'approve' && gate.basicAuth !== 'block') fail('gate.basicAuth', 'must be approve or block');
  const { min, max } = GATE_GRACE_MINUTES;
  if (!isIntIn(gate.readGraceMinutes, min, max)) fail('gate.readGraceMinutes', `must be a whole number of minutes from ${min} to ${max}`);
  if (!isIntIn(gate.writeGraceMinutes, min, max)) fail('gate.writeGraceMinutes', `must be a whole number of minutes from ${min} to ${max}`);
  const proxies = gate.trustedProxies;
  const trustedProxies: string[] = [];
  if (!Array.isArray(proxies) || proxies.length > MAX_ZONES) fail('gate.trustedProxies', `must be a list of at most ${MAX_ZONES} CIDR ranges`);
  else {
    proxies.forEach((proxy, index) => {
      const parsed = parseCidr(proxy);
      if (parsed.ok) trustedProxies.push(parsed.normalized);
      else fail(`gate.trustedProxies.${index}`, parsed.problem);
    });
  }
  if (typeof gate.selfEnrollment !== 'boolean') fail('gate.selfEnrollment', 'must be true or false');
  const accessPass = isRecord(doc.accessPass) ? doc.accessPass : {};
  if (typeof accessPass.showSymbol !== 'boolean') fail('accessPass.showSymbol', 'must be true or false');

  if (!ok) return null;
  return {
    enforcedGroups,
    idPattern: (doc.idPattern as string).trim(),
    allowUserChosenId: doc.allowUserChosenId as boolean,
    writeBack: doc.writeBack as boolean,
    sessionTimeoutMinutes: doc.sessionTimeoutMinutes as number,
    stepUpMinutes: doc.stepUpMinutes as number,
    ipSafeZones,
    methods: methodList,
    totp: {
      algorithm: totp.algorithm as TenantPolicy['totp']['algorithm'],
      digits: totp.digits as TenantPolicy['totp']['digits'],
      period: totp.period as TenantPolicy['totp']['period'],
      window: totp.window as number,
    },
    lockout: {
      maxFailures: lockout.maxFailures as number,
      windowMinutes: lockout.windowMinutes as number,
      tenantMaxFailures: lockout.tenantMaxFailures as number,
    },
    branding: { serviceName, companyName: companyName as string, color },
    gate: {
      basicAuth: gate.basicAuth as TenantPolicy['gate']['basicAuth'],
      readGraceMinutes: gate.readGraceMinutes as number,
      writeGraceMinutes: gate.writeGraceMinutes as number,
      trustedProxies: [...new Set(trustedProxies)],
      selfEnrollment: gate.selfEnrollment as boolean,
    },
    confirmEmailOnEnrollment: doc.confirmEmailOnEnrollment as boolean,
    accessPass: { showSymbol: accessPass.showSymbol as boolean },
  };
}

/** What reading a stored policy had to mend, for a warning in the log. */
export interface StoredPolicyRepair {
  /** Dotted path, as in `PolicyProblem`. */
  readonly field: string;
  readonly problem: string;
  /** `replaced`: the field now has its default; `trimmed`: the list kept its valid entries. */
  readonly action: 'replaced' | 'trimmed';
}

const LIST_LIMITS: Readonly<Record<string, number>> = { enforcedGroups: MAX_GROUPS, ipSafeZones: MAX_ZONES, methods: POLICY_METHODS.length };

/**
 * A stored document read back (it may predate a rule): merged over the defaults (fields added since
 * it was saved get their default), then mended as little as it takes, so that a stored policy never
 * stops verification, and never silently weakens it either:
 * - a list keeps its valid entries and drops only the bad ones (an enforced group that fails a
 *   check must not stop enforcement for every other group), and keeps its first entries if too long;
 * - a field of a block (`totp.window`) that fails gets its own default, the rest of the block stays;
 * - any other field that fails gets its default.
 * Each mend is reported through `onRepair`, for the caller to log.
 */
export function readStoredPolicy(defaults: TenantPolicy, stored: unknown, onRepair: (repair: StoredPolicyRepair) => void = () => {}): TenantPolicy {
  if (!isRecord(stored)) {
    if (stored !== null && stored !== undefined) onRepair({ field: '(document)', problem: 'must be a JSON object', action: 'replaced' });
    return defaults;
  }
  const merged: Record<string, unknown> = { ...defaults };
  for (const key of TOP_LEVEL) {
    if (!(key in stored)) continue;
    merged[key] = key in NESTED && isRecord(stored[key]) ? { ...(defaults[key as keyof typeof NESTED] as object), ...stored[key] } : stored[key];
  }
  const problemsOf = (): PolicyProblem[] => {
    const found: PolicyProblem[] = [];
    checkPolicy(merged, (field, problem) => found.push({ field, problem }));
    return found;
  };

  // Entries of lists and fields of blocks first: they mend without touching their neighbours.
  const badEntries = new Map<string, Map<number, string>>();
  for (const { field, problem } of problemsOf()) {
    const [top = '', inner] = field.split('.');
    if (inner === undefined) continue;
    if (top in LIST_LIMITS && /^\d+$/.test(inner)) {
      if (!badEntries.has(top)) badEntries.set(top, new Map());
      badEntries.get(top)?.set(Number(inner), problem);
    } else if (top in NESTED) {
      const block = isRecord(merged[top]) ? merged[top] : {};
      merged[top] = { ...block, [inner]: (defaults[top as keyof typeof NESTED] as unknown as Record<string, unknown>)[inner] };
      onRepair({ field, problem, action: 'replaced' });
    }
  }
  for (const [top, entries] of badEntries) {
    merged[top] = (merged[top] as unknown[]).filter((_entry, index) => !entries.has(index));
    for (const [index, problem] of entries) onRepair({ field: `${top}.${index}`, problem, action: 'trimmed' });
  }

  // Then whole fields: a list that is too long keeps its first entries; anything else its default.
  for (const { field, problem } of problemsOf()) {
    const top = field.split('.')[0] as string;
    const value = merged[top];
    const limit = LIST_LIMITS[top];
    if (limit !== undefined && Array.isArray(value) && value.length > limit) {
      merged[top] = value.slice(0, limit);
      onRepair({ field: top, problem, action: 'trimmed' });
    } else if (top in defaults) {
      merged[top] = defaults[top as keyof TenantPolicy];
      onRepair({ field: top, problem, action: 'replaced' });
    }
  }
  const policy = checkPolicy(merged, () => {});
  if (policy) return policy;
  onRepair({ field: '(document)', problem: 'still fails its checks after mending', action: 'replaced' });
  return defaults;
}

/** One changed value of a policy change, for the audit log: a top-level field, or a field of a block. */
export interface PolicyChange {
  readonly field: string;
  readonly old: unknown;
  readonly new: unknown;
}

/** What changed from `before` to `after`, field by field (blocks by their inner fields). */
export function policyChanges(before: TenantPolicy, after: TenantPolicy): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const key of TOP_LEVEL) {
    if (same(before[key], after[key])) continue;
    if (key in NESTED) {
      // typescript-eslint (TypeScript 5) finds these casts unnecessary; tsc 7 needs them to index the nested blocks.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
      const [was, now] = [before[key] as unknown as Record<string, unknown>, after[key] as unknown as Record<string, unknown>];
      for (const inner of NESTED[key as keyof typeof NESTED]) {
        if (!same(was[inner], now[inner])) changes.push({ field: `${key}.${inner}`, old: was[inner], new: now[inner] });
      }
    } else {
      changes.push({ field: key, old: before[key], new: after[key] });
    }
  }
  return changes;
}
