import type { PropertyReading, TwofoldIdProperty } from './twofold-id-property';

/** What Twofold holds for one user: the source of truth that an export mirrors. */
export interface DesiredState {
  readonly accountId: string;
  readonly twoFactorId: string;
  readonly enrolled: boolean;
  /** When the mapping (or the enrollment) last changed: written as the property's `updatedAt`. */
  readonly updatedAt: Date;
}

/** What Jira holds for the same user: the property as read and validated, or that Jira has no such user. */
export type CurrentState = { readonly userExists: false } | { readonly userExists: true; readonly reading: PropertyReading };

export type ExportOperation =
  | { readonly op: 'none' }
  | { readonly op: 'write'; readonly value: TwofoldIdProperty; readonly reason: 'missing' | 'different' | 'invalid' }
  | { readonly op: 'skip'; readonly reason: 'unknown_user' };

/**
 * Export, for one user: write the property only when it is absent, invalid, or says something else
 * than Twofold about the ID or enrollment. `updatedAt` alone never causes a write, so that a second
 * export right after the first writes nothing (the export is idempotent, and a crash-and-rerun of an
 * item writes at most what it would have written anyway).
 */
export function planExport(desired: DesiredState, current: CurrentState): ExportOperation {
  if (!current.userExists) return { op: 'skip', reason: 'unknown_user' };
  const value = propertyFor(desired);
  const { reading } = current;
  if (reading.state === 'absent') return { op: 'write', value, reason: 'missing' };
  if (reading.state === 'invalid') return { op: 'write', value, reason: 'invalid' };
  return sameMapping(reading.value, value) ? { op: 'none' } : { op: 'write', value, reason: 'different' };
}

/** What an import found for one user; `same` is not a difference. */
export type ImportFinding =
  | { readonly finding: 'same' }
  | { readonly finding: 'missing' }
  | { readonly finding: 'unknown_user' }
  | { readonly finding: 'invalid'; readonly problem: string }
  | {
      readonly finding: 'different';
      readonly twofold: { readonly twoFactorId: string; readonly enrolled: boolean } | null;
      readonly jira: { readonly twoFactorId: string; readonly enrolled: boolean };
      /** True when the IDs differ: the only thing an adopting import may take over. */
      readonly idDiffers: boolean;
    };

/**
 * Import, for one user: how Jira's property compares with Twofold (`desired` null: Twofold has no ID
 * stored for the user). Enrollment in the property is reported but never adopted: whether a user has
 * a working factor is a fact of Twofold's own credentials, not something a directory can assert.
 */
export function planImport(desired: DesiredState | null, current: CurrentState): ImportFinding {
  if (!current.userExists) return { finding: 'unknown_user' };
  const { reading } = current;
  if (reading.state === 'invalid') return { finding: 'invalid', problem: reading.problem };
  if (reading.state === 'absent') return desired === null ? { finding: 'same' } : { finding: 'missing' };
  const jira = { twoFactorId: reading.value.twoFactorId, enrolled: reading.value.enrolled };
  if (desired === null) return { finding: 'different', twofold: null, jira, idDiffers: true };
  if (sameMapping(reading.value, desired)) return { finding: 'same' };
  return {
    finding: 'different',
    twofold: { twoFactorId: desired.twoFactorId, enrolled: desired.enrolled },
    jira,
    idDiffers: reading.value.twoFactorId !== desired.twoFactorId,
  };
}

/** The property value that mirrors `desired`. */
export function propertyFor(desired: DesiredState): TwofoldIdProperty {
  return { twoFactorId: desired.twoFactorId, enrolled: desired.enrolled, updatedAt: desired.updatedAt.toISOString() };
}

/** A batch of users (a job's page): one operation per user, in the same order. */
export function planExports(pairs: ReadonlyArray<{ desired: DesiredState; current: CurrentState }>): ExportOperation[] {
  return pairs.map(({ desired, current }) => planExport(desired, current));
}

function sameMapping(a: { twoFactorId: string; enrolled: boolean }, b: { twoFactorId: string; enrolled: boolean }): boolean {
  // IDs compare exactly: a change of case is a change of the label the user sees in their app.
  return a.twoFactorId === b.twoFactorId && a.enrolled === b.enrolled;
}
