import { MAX_TWO_FACTOR_ID_LENGTH, normalizeTwoFactorId } from './id-pattern';

/** The Jira user property that mirrors a user's 2FA ID (the stand-in for SecSign's Crowd attribute). */
export const TWOFOLD_ID_PROPERTY_KEY = 'twofold-id';

/**
 * The property's value, as CONTRACT.md fixes it. Never a secret: anyone who may read the user's
 * properties in Jira sees it.
 */
export interface TwofoldIdProperty {
  readonly twoFactorId: string;
  readonly enrolled: boolean;
  /** ISO 8601: when Twofold's mapping or the enrollment last changed. */
  readonly updatedAt: string;
}

/** What a read of the property found: nothing, a value that passed validation, or why it did not. */
export type PropertyReading =
  { readonly state: 'absent' } | { readonly state: 'valid'; readonly value: TwofoldIdProperty } | { readonly state: 'invalid'; readonly problem: string };

const KNOWN_FIELDS = new Set(['twoFactorId', 'enrolled', 'updatedAt']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates a property value read from Jira. Anyone with Jira administrator rights (or a script with
 * their token) can write it, so it is untrusted input: checked field by field here, the ID normalized
 * as Twofold stores IDs, and only ever used as a report or, when an admin asks to adopt it, as a
 * candidate that goes through the same checks as an ID typed by an admin.
 */
export function readTwofoldIdProperty(raw: unknown): PropertyReading {
  if (raw === null || raw === undefined) return { state: 'absent' };
  if (typeof raw !== 'object' || Array.isArray(raw)) return invalid('the value is not a JSON object');
  const record = raw as Record<string, unknown>;
  const extra = Object.keys(record).find((key) => !KNOWN_FIELDS.has(key));
  if (extra !== undefined) return invalid(`unexpected field ${JSON.stringify(extra.slice(0, 40))}`);
  if (typeof record.twoFactorId !== 'string') return invalid('twoFactorId must be text');
  if (record.twoFactorId.length > MAX_TWO_FACTOR_ID_LENGTH * 2) return invalid(`twoFactorId must be at most ${MAX_TWO_FACTOR_ID_LENGTH} characters`);
  const id = normalizeTwoFactorId(record.twoFactorId);
  if (!id.ok) return invalid(`twoFactorId ${id.problem}`);
  if (typeof record.enrolled !== 'boolean') return invalid('enrolled must be true or false');
  if (typeof record.updatedAt !== 'string' || !ISO_DATE.test(record.updatedAt) || Number.isNaN(Date.parse(record.updatedAt))) {
    return invalid('updatedAt must be an ISO 8601 date and time');
  }
  return { state: 'valid', value: { twoFactorId: id.twoFactorId, enrolled: record.enrolled, updatedAt: record.updatedAt } };
}

function invalid(problem: string): PropertyReading {
  return { state: 'invalid', problem };
}
