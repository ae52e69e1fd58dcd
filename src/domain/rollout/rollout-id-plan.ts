import type { IdMapping, IdSource } from '../idmap/two-factor-ids';
import { expandIdPattern, normalizeTwoFactorId } from '../idmap/id-pattern';

/** A member of the rolled-out group, as the host or Data Center tells of them. */
export interface RolloutMember {
  /** The Twofold accountId: Atlassian's accountId on Cloud, `dc:` + the user key on Data Center. */
  readonly accountId: string;
  readonly displayName: string;
  readonly emailAddress: string | null;
  /** The Data Center username; null on Cloud. */
  readonly username: string | null;
}

/** What the rollout does with one member's 2FA ID. */
export type RolloutIdDecision =
  /** The member has this ID already. */
  | { readonly action: 'unchanged'; readonly twoFactorId: string }
  /** An ID an admin or the user set by hand, kept (no `overwrite`). */
  | { readonly action: 'keep'; readonly twoFactorId: string; readonly source: IdSource }
  /** Store `twoFactorId` (`previous`: the ID it replaces, or null). */
  | { readonly action: 'assign'; readonly twoFactorId: string; readonly key: string; readonly previous: string | null }
  /** Another user holds the ID the pattern gives; nothing is overwritten. */
  | { readonly action: 'conflict'; readonly twoFactorId: string; readonly holderAccountId: string }
  /** The pattern gives no usable ID for this member (e.g. their email address is hidden). */
  | { readonly action: 'unusable'; readonly problem: string };

/** The ID the pattern gives `member`, with its uniqueness key; or why there is none. */
export function rolloutCandidate(pattern: string, member: RolloutMember): { ok: true; twoFactorId: string; key: string } | { ok: false; problem: string } {
  const expanded = expandIdPattern(pattern, { accountId: member.accountId, emailAddress: member.emailAddress, username: member.username });
  if (!expanded.ok) return { ok: false, problem: `the ID pattern needs ${expanded.missing}, which Jira does not show for this user` };
  const normalized = normalizeTwoFactorId(expanded.twoFactorId);
  return normalized.ok ? { ok: true, twoFactorId: normalized.twoFactorId, key: normalized.key } : { ok: false, problem: `the ID ${normalized.problem}` };
}

/**
 * The decision for one member, given their current mapping and who (if anyone) holds the candidate ID.
 * Rules: an ID set by hand (`admin`, `user`) is kept unless `overwrite`; an ID the pattern gave before is
 * replaced by what the pattern gives now; an ID another user holds is a conflict, never taken from them.
 */
export function decideRolloutId(input: {
  readonly member: RolloutMember;
  readonly pattern: string;
  readonly current: IdMapping | null;
  /** The accountId holding the candidate's key (case-insensitive), or null. */
  readonly holderOf: (key: string) => string | null;
  readonly overwrite: boolean;
}): RolloutIdDecision {
  const { current, member } = input;
  if (current && current.source !== 'pattern' && !input.overwrite) return { action: 'keep', twoFactorId: current.twoFactorId, source: current.source };
  const candidate = rolloutCandidate(input.pattern, member);
  if (!candidate.ok) return { action: 'unusable', problem: candidate.problem };
  if (current && current.twoFactorId === candidate.twoFactorId) return { action: 'unchanged', twoFactorId: current.twoFactorId };
  const holder = input.holderOf(candidate.key);
  if (holder !== null && holder !== member.accountId) return { action: 'conflict', twoFactorId: candidate.twoFactorId, holderAccountId: holder };
  return { action: 'assign', twoFactorId: candidate.twoFactorId, key: candidate.key, previous: current?.twoFactorId ?? null };
}

/**
 * A whole rollout planned at once, in member order, as the job carries it out item by item: each
 * decision sees the IDs assigned before it, so the second of two members the pattern gives the same ID
 * gets a conflict naming the first. Pure; the job and the unit tests share `decideRolloutId`.
 */
export function planRolloutIds(
  members: readonly RolloutMember[],
  existing: ReadonlyMap<string, IdMapping>,
  pattern: string,
  overwrite: boolean,
): Map<string, RolloutIdDecision> {
  const mappings = new Map(existing);
  const holders = new Map<string, string>();
  for (const mapping of existing.values()) holders.set(mapping.twoFactorId.toLowerCase(), mapping.accountId);
  const decisions = new Map<string, RolloutIdDecision>();
  for (const member of members) {
    const decision = decideRolloutId({
      member,
      pattern,
      current: mappings.get(member.accountId) ?? null,
      holderOf: (key) => holders.get(key) ?? null,
      overwrite,
    });
    decisions.set(member.accountId, decision);
    if (decision.action === 'assign') {
      if (decision.previous) holders.delete(decision.previous.toLowerCase());
      holders.set(decision.key, member.accountId);
      mappings.set(member.accountId, { accountId: member.accountId, twoFactorId: decision.twoFactorId, source: 'pattern', updatedAt: new Date(0) });
    }
  }
  return decisions;
}
