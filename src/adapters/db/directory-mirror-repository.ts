import type { Sequelize } from 'sequelize';
import type {
  DirectoryMirror,
  DirectoryMirrorSweep,
  DirectoryMirrorWrites,
  MirrorPage,
  MirrorQuery,
  MirrorRow,
  MirrorSource,
  MirrorStatus,
} from '../../domain/directory/directory-mirror';
import { TwofoldError } from '../../domain/errors';
import type { IdSource } from '../../domain/idmap/two-factor-ids';
import type { JobTransaction } from '../../domain/jobs/job-kind';
import { unitOfJob } from './job-transaction';
import { toDate } from './models/mfa-models';
import { Sql } from './sql';
import { inWriteTransaction } from './user-transaction';

interface PageRow {
  account_id: string;
  display_name: string;
  sort_name: string;
  email: string | null;
  username: string | null;
  active: boolean | number;
  group_names: string;
  source: string;
  two_factor_id: string | null;
  id_source: string | null;
  enrolled: number | string | null;
  last_verified_at: Date | string | null;
  unused_backup_codes: number | string | null;
  locked_until_ms: number | string | null;
}

/** The page order: the display name as compared case-insensitively (then the accountId). */
function sortName(displayName: string): string {
  return displayName.normalize('NFC').toLowerCase().slice(0, 255);
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (with `ESCAPE '\'`). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The directory mirror in `directory_users`, `directory_user_groups` and `directory_mirrors` (migration
 * 0301). A page is one statement: a range scan of `directory_users_page` (or, for a group,
 * `directory_user_groups_page`) in page order from the keyset cursor, with the user's 2FA ID, enrollment,
 * last verification and lockout joined by their keys and the unused backup codes counted on their index
 * (enrolled users only), so a page is one round trip; `npm run bench:admin-users` prints the plans.
 */
export class SequelizeDirectoryMirror implements DirectoryMirror, DirectoryMirrorSweep {
  private readonly sql: Sql;

  constructor(private readonly sequelize: Sequelize) {
    this.sql = Sql.for(sequelize);
  }

  async page(tenant: string, query: MirrorQuery): Promise<MirrorPage> {
    const { sql, params } = pageStatement(tenant, query);
    const rows = await this.sql.select<PageRow>(sql, params);
    const page = rows.slice(0, query.limit).map(toRow);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return { rows: page, nextCursor: last ? encodeCursor(last.sort_name, last.account_id) : null };
  }

  async status(tenant: string): Promise<MirrorStatus[]> {
    const rows = await this.sql.select<{ source: string; refreshed_at: Date | string; user_count: number | string }>(
      'SELECT source, refreshed_at, user_count FROM directory_mirrors WHERE client_key = :tenant ORDER BY source',
      { tenant },
    );
    return rows.map((row) => ({
      source: row.source as MirrorSource,
      refreshedAt: toDate(row.refreshed_at) ?? new Date(Number.NaN),
      userCount: Number(row.user_count),
    }));
  }

  async sweep(tenant: string, source: MirrorSource, jobId: string, at: Date, forgetUnseen: boolean): Promise<void> {
    await inWriteTransaction(this.sequelize, async (transaction) => {
      const statements = this.sql.in(transaction);
      if (forgetUnseen) {
        await statements.changed('DELETE FROM directory_user_groups WHERE client_key = :tenant AND source = :source AND seen_job <> :jobId', {
          tenant,
          source,
          jobId,
        });
        await statements.changed('DELETE FROM directory_users WHERE client_key = :tenant AND source = :source AND seen_job <> :jobId', {
          tenant,
          source,
          jobId,
        });
      }
      const [count] = await statements.select<{ n: number | string }>(
        'SELECT COUNT(*) AS n FROM directory_users WHERE client_key = :tenant AND source = :source',
        {
          tenant,
          source,
        },
      );
      await statements.insert(
        `INSERT INTO directory_mirrors (client_key, source, refreshed_at, job_id, user_count) VALUES (:tenant, :source, :at, :jobId, :count)
         ON CONFLICT (client_key, source) DO UPDATE SET refreshed_at = excluded.refreshed_at, job_id = excluded.job_id, user_count = excluded.user_count`,
        { tenant, source, at, jobId, count: Number(count?.n ?? 0) },
      );
    });
  }

  async staleTenants(before: Date, limit: number): Promise<string[]> {
    const rows = await this.sql.select<{ client_key: string }>(
      `SELECT t.client_key FROM tenants t LEFT JOIN directory_mirrors m ON m.client_key = t.client_key AND m.source = 'host'
       WHERE t.uninstalled_at IS NULL AND (m.refreshed_at IS NULL OR m.refreshed_at < :before) ORDER BY t.client_key LIMIT :limit`,
      { before, limit },
    );
    return rows.map((row) => row.client_key);
  }
}

/** A refresh item's writes, in the item's transaction. */
export function directoryMirrorWritesIn(transaction: JobTransaction): DirectoryMirrorWrites {
  const { statements } = unitOfJob(transaction);
  return {
    async upsertUser(tenant, source, user, jobId, groups, at) {
      const sort = sortName(user.displayName);
      const [existing] = await statements.select<{ group_names: string }>(
        'SELECT group_names FROM directory_users WHERE client_key = :tenant AND account_id = :accountId',
        {
          tenant,
          accountId: user.accountId,
        },
      );
      const groupsJson = groups === null ? (existing?.group_names ?? '[]') : JSON.stringify([...groups].sort());
      await statements.insert(
        `INSERT INTO directory_users (client_key, account_id, source, display_name, sort_name, email, username, active, group_names, seen_job, updated_at, enrolled)
         VALUES (:tenant, :accountId, :source, :displayName, :sort, :email, :username, :active, :groups, :jobId, :at,
           EXISTS (SELECT 1 FROM totp_credentials c WHERE c.client_key = :tenant AND c.account_id = :accountId AND c.status = 'active'))
         ON CONFLICT (client_key, account_id) DO UPDATE SET source = excluded.source, display_name = excluded.display_name, sort_name = excluded.sort_name,
           email = excluded.email, username = excluded.username, active = excluded.active, group_names = excluded.group_names, seen_job = excluded.seen_job,
           updated_at = excluded.updated_at`,
        {
          tenant,
          accountId: user.accountId,
          source,
          displayName: user.displayName.slice(0, 255),
          sort,
          email: user.emailAddress,
          username: user.username,
          active: user.active,
          groups: groupsJson,
          jobId,
          at,
        },
      );
      // The sort name is copied into the memberships (their page index); a rename moves them too.
      await statements.changed('UPDATE directory_user_groups SET sort_name = :sort WHERE client_key = :tenant AND account_id = :accountId', {
        tenant,
        accountId: user.accountId,
        sort,
      });
      if (groups === null) return;
      await statements.changed('DELETE FROM directory_user_groups WHERE client_key = :tenant AND account_id = :accountId', {
        tenant,
        accountId: user.accountId,
      });
      for (const group of new Set(groups.map((name) => name.toLowerCase()))) {
        await statements.insert(
          `INSERT INTO directory_user_groups (client_key, group_name, account_id, source, sort_name, seen_job) VALUES (:tenant, :group, :accountId, :source, :sort, :jobId)`,
          { tenant, group, accountId: user.accountId, source, sort, jobId },
        );
      }
    },

    async addMembership(tenant, source, accountId, group, jobId) {
      const [user] = await statements.select<{ sort_name: string; group_names: string }>(
        'SELECT sort_name, group_names FROM directory_users WHERE client_key = :tenant AND account_id = :accountId',
        { tenant, accountId },
      );
      if (!user) return;
      await statements.insert(
        `INSERT INTO directory_user_groups (client_key, group_name, account_id, source, sort_name, seen_job) VALUES (:tenant, :group, :accountId, :source, :sort, :jobId)
         ON CONFLICT (client_key, group_name, account_id) DO UPDATE SET seen_job = excluded.seen_job, sort_name = excluded.sort_name`,
        { tenant, group: group.toLowerCase(), accountId, source, sort: user.sort_name, jobId },
      );
      const groups = new Set(JSON.parse(user.group_names) as string[]);
      if (!groups.has(group)) {
        await statements.changed('UPDATE directory_users SET group_names = :groups WHERE client_key = :tenant AND account_id = :accountId', {
          tenant,
          accountId,
          groups: JSON.stringify([...groups, group].sort()),
        });
      }
    },
  };
}

/** The page's one statement; exported for the bench's query plans (bench/admin-users.ts). */
export function pageStatement(tenant: string, query: MirrorQuery): { sql: string; params: Record<string, unknown> } {
  const params: Record<string, unknown> = { tenant, limit: query.limit + 1 };
  // A group's page walks its memberships in page order; otherwise the users themselves.
  const from = query.group
    ? 'directory_user_groups g JOIN directory_users u ON u.client_key = g.client_key AND u.account_id = g.account_id'
    : 'directory_users u';
  const order = query.group ? 'g' : 'u';
  const where = [`${order}.client_key = :tenant`];
  if (query.group) {
    where.push('g.group_name = :group');
    params.group = query.group.toLowerCase();
  }
  if (query.cursor !== undefined && query.cursor !== '') {
    const after = decodeCursor(query.cursor);
    where.push(`(${order}.sort_name, ${order}.account_id) > (:afterName, :afterId)`);
    params.afterName = after.name;
    params.afterId = after.id;
  }
  if (query.source) {
    where.push('u.source = :source');
    params.source = query.source;
  }
  // `enrolled` is kept by triggers on totp_credentials (migration 0520): with the tenant, the first
  // columns of directory_users_enrolled_page, so a page of (un)enrolled users is a range scan too (a
  // group's page filters its members by it).
  if (query.enrolled !== undefined) {
    where.push('u.enrolled = :enrolled');
    params.enrolled = query.enrolled;
  }
  if (query.q) {
    params.q = `%${likeLiteral(query.q.normalize('NFC').toLowerCase())}%`;
    where.push("(u.sort_name LIKE :q ESCAPE '\\' OR LOWER(u.email) LIKE :q ESCAPE '\\' OR m.id_key LIKE :q ESCAPE '\\')");
  }
  const sql = `SELECT u.account_id, u.display_name, u.sort_name, u.email, u.username, u.active, u.group_names, u.source,
      m.two_factor_id, m.source AS id_source, CASE WHEN t.id IS NULL THEN 0 ELSE 1 END AS enrolled, v.verified_at AS last_verified_at,
      f.locked_until_ms,
      CASE WHEN t.id IS NULL THEN 0 ELSE (SELECT COUNT(*) FROM backup_codes b WHERE b.client_key = u.client_key AND b.account_id = u.account_id AND b.used_at IS NULL) END
        AS unused_backup_codes
    FROM ${from}
    LEFT JOIN two_factor_ids m ON m.client_key = u.client_key AND m.account_id = u.account_id
    LEFT JOIN totp_credentials t ON t.client_key = u.client_key AND t.account_id = u.account_id AND t.status = 'active'
    LEFT JOIN verification_sessions v ON v.client_key = u.client_key AND v.account_id = u.account_id
    LEFT JOIN failure_counters f ON f.client_key = u.client_key AND f.account_id = u.account_id
    WHERE ${where.join(' AND ')}
    ORDER BY ${order}.sort_name, ${order}.account_id LIMIT :limit`;
  return { sql, params };
}

function toRow(row: PageRow): MirrorRow {
  let groups: string[] = [];
  try {
    groups = JSON.parse(row.group_names) as string[];
  } catch {
    // an unreadable list shows no groups
  }
  return {
    accountId: row.account_id,
    displayName: row.display_name,
    emailAddress: row.email,
    username: row.username,
    active: Boolean(row.active),
    source: row.source as MirrorSource,
    groups,
    twoFactorId: row.two_factor_id,
    twoFactorIdSource: row.id_source as IdSource | null,
    enrolled: Number(row.enrolled) === 1,
    lastVerifiedAt: toDate(row.last_verified_at),
    unusedBackupCodes: Number(row.unused_backup_codes ?? 0),
    lockedUntil: row.locked_until_ms === null ? null : new Date(Number(row.locked_until_ms)),
  };
}

function encodeCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify({ n: name, i: id })).toString('base64url');
}

function decodeCursor(cursor: string): { name: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { n?: unknown; i?: unknown };
    if (typeof parsed.n === 'string' && typeof parsed.i === 'string') return { name: parsed.n, id: parsed.i };
  } catch {
    // fall through
  }
  throw new TwofoldError('invalid_request', 'The cursor is not one this API handed out. Start from the first page.', {
    details: { fields: [{ field: 'cursor', problem: 'is not valid' }] },
  });
}
