import assert from 'node:assert/strict';
import { SyncExportKind, type SyncDependencies } from '../../../../src/domain/idmap/sync-export-kind';
import { SyncImportKind } from '../../../../src/domain/idmap/sync-import-kind';
import { SYNC_PAGE_SIZE } from '../../../../src/domain/idmap/sync-job-support';
import { TwoFactorIds } from '../../../../src/domain/idmap/two-factor-ids';
import { normalizeTwoFactorId } from '../../../../src/domain/idmap/id-pattern';
import type { PropertyRead, SyncTarget, UserPropertyGateway } from '../../../../src/domain/idmap/user-property-gateway';
import { JobStop, RetryItemLater, type ItemOutcome, type JobContext, type JobKind } from '../../../../src/domain/jobs/job-kind';
import { defaultPolicy } from '../../../../src/domain/policy/policy';
import { FixedClock } from '../../../../src/domain/ports/clock';
import { FakeDirectory, InMemoryAuditLog, InMemoryIdMappings, tenantNamed } from '../mfa/in-memory-repositories';

/** Jira's user properties for a set of known users; values go through JSON as over the wire. */
class InMemoryUserProperties implements UserPropertyGateway {
  readonly values = new Map<string, unknown>();
  readonly failures: Error[] = [];
  writes = 0;
  constructor(
    readonly target: SyncTarget,
    readonly users: Set<string>,
  ) {}
  async read(accountId: string): Promise<PropertyRead> {
    this.failIfAsked();
    if (!this.users.has(accountId)) return { userExists: false };
    return { userExists: true, raw: this.values.get(accountId) ?? null };
  }
  async write(accountId: string, value: unknown): Promise<'written' | 'unknown_user'> {
    this.failIfAsked();
    if (!this.users.has(accountId)) return 'unknown_user';
    this.writes++;
    this.values.set(accountId, JSON.parse(JSON.stringify(value)));
    return 'written';
  }
  async remove(accountId: string): Promise<'removed' | 'unknown_user'> {
    this.values.delete(accountId);
    return this.users.has(accountId) ? 'removed' : 'unknown_user';
  }
  private failIfAsked(): void {
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}

/** The code of a failed item, or null when it succeeded. */
function failureCode(outcome: ItemOutcome | undefined): string | null {
  assert.ok(outcome, 'no outcome');
  return outcome.ok ? null : outcome.code;
}

function detailOf(outcome: ItemOutcome | undefined): Record<string, unknown> {
  assert.ok(outcome?.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return outcome.detail as Record<string, unknown>;
}

/** Plans every page and runs every item in order, as the runner would with concurrency 1. */
async function runJob<P>(kind: JobKind<P>, context: JobContext, rawParams: unknown): Promise<Map<string, ItemOutcome>> {
  const params = kind.parseParams(JSON.parse(JSON.stringify(rawParams)));
  const outcomes = new Map<string, ItemOutcome>();
  let cursor: string | null = null;
  do {
    const page = await kind.plan(context, params, cursor);
    for (const item of page.items) {
      assert.ok(!outcomes.has(item.key), `item ${item.key} planned twice`);
      outcomes.set(item.key, await kind.runItem(context, params, item));
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return outcomes;
}

describe('Directory sync job kinds (sync_export, sync_import)', () => {
  const tenant = tenantNamed('t1');
  const context: JobContext = { jobId: 'job-1', tenant: tenant.clientKey, actorAccountId: 'admin-1', cancelled: () => false };
  const clock = new FixedClock(new Date('2026-12-04T12:00:00Z'));

  async function setup(options: { dataCenter?: boolean; extraUsers?: number } = {}) {
    const mappings = new InMemoryIdMappings();
    const audit = new InMemoryAuditLog();
    const prefix = options.dataCenter ? 'dc:JIRAUSER' : 'acc-';
    const accounts = ['1', '2', '3', ...Array.from({ length: options.extraUsers ?? 0 }, (_, i) => `x${i}`)].map((n) => `${prefix}${n}`);
    for (const accountId of accounts) {
      const id = normalizeTwoFactorId(`${accountId}@example.com`.replace('dc:', ''));
      assert.ok(id.ok);
      await mappings.assign(tenant.clientKey, accountId, id.twoFactorId, id.key, 'pattern', new Date('2026-12-01T00:00:00Z'));
    }
    // A mapping of the other target is never touched.
    await mappings.assign(tenant.clientKey, options.dataCenter ? 'acc-other' : 'dc:OTHER', 'other', 'other', 'pattern', clock.now());
    const target: SyncTarget = options.dataCenter ? 'connector' : 'host';
    const jira = new InMemoryUserProperties(target, new Set(accounts.slice(0, -1).concat(accounts.length > 3 ? [accounts.at(-1)!] : [])));
    if (accounts.length === 3) jira.users.delete(accounts[2]!); // the third user is unknown to Jira
    const enrolled = new Set([accounts[0]!]);
    const ids = new TwoFactorIds(mappings, new FakeDirectory([]), audit, clock);
    const deps: SyncDependencies = {
      mappings,
      enrolledAmong: async (_tenant, accountIds) => new Set(accountIds.filter((a) => enrolled.has(a))),
      gateways: {
        forTarget: async (forTenant, forTarget) => {
          assert.equal(forTenant, tenant.clientKey);
          assert.equal(forTarget, target);
          return jira;
        },
      },
      audit,
      clock,
    };
    const adoptId = async (_tenant: string, actor: string | null, accountId: string, twoFactorId: string) => {
      await ids.assign(tenant, actor ?? 'system', accountId, twoFactorId, 'admin', defaultPolicy(tenant.baseUrl));
    };
    return { accounts, jira, audit, mappings, target, exportKind: new SyncExportKind(deps), importKind: new SyncImportKind({ ...deps, adoptId }) };
  }

  for (const dataCenter of [false, true]) {
    describe(dataCenter ? 'connector target (dc: accounts)' : 'host target', () => {
      it('export writes what differs, a second export writes nothing, and each write is audited', async () => {
        const { accounts, jira, audit, exportKind, target } = await setup({ dataCenter });
        const first = await runJob(exportKind, context, { target });
        assert.deepEqual([...first.keys()], accounts);
        assert.deepEqual(first.get(accounts[0]!), { ok: true, detail: { result: 'written', reason: 'missing' } });
        assert.equal(failureCode(first.get(accounts[2]!)), 'unknown_user');
        assert.deepEqual(jira.values.get(accounts[0]!), {
          twoFactorId: `${accounts[0]!.replace('dc:', '')}@example.com`,
          enrolled: true,
          updatedAt: '2026-12-01T00:00:00.000Z',
        });
        assert.equal(jira.values.get(accounts[1]!) !== undefined && (jira.values.get(accounts[1]!) as { enrolled: boolean }).enrolled, false);
        assert.equal(jira.writes, 2);
        assert.deepEqual(
          audit.entries.map((e) => [e.action, e.subjectAccountId, e.actorAccountId]),
          [
            ['sync.property_written', accounts[0], 'admin-1'],
            ['sync.property_written', accounts[1], 'admin-1'],
          ],
        );

        const second = await runJob(exportKind, context, { target });
        assert.equal(jira.writes, 2, 'a second export right after the first writes nothing');
        assert.deepEqual(second.get(accounts[0]!), { ok: true, detail: { result: 'unchanged' } });
        assert.equal(audit.entries.length, 2);
      });

      it('import reports missing, different, invalid and unknown users and changes nothing', async () => {
        const { accounts, jira, mappings, importKind, target } = await setup({ dataCenter });
        jira.values.set(accounts[1]!, { twoFactorId: 'from-jira', enrolled: true, updatedAt: '2026-11-01T00:00:00Z' });
        const report = await runJob(importKind, context, { target });
        assert.deepEqual(
          accounts.map((account) => failureCode(report.get(account))),
          ['missing', 'different', 'unknown_user'],
        );
        const different = report.get(accounts[1]!);
        assert.ok(different && !different.ok && different.message.includes('from-jira'));
        assert.equal((await mappings.find(tenant.clientKey, accounts[1]!))?.twoFactorId, `${accounts[1]!.replace('dc:', '')}@example.com`);

        jira.values.set(accounts[0]!, { twoFactorId: 'evil', enrolled: true, updatedAt: 'now', secret: 'x' });
        const again = await runJob(importKind, context, { target, adopt: true });
        assert.equal(failureCode(again.get(accounts[0]!)), 'invalid_property', 'an invalid property is reported, never adopted');
        assert.equal((await mappings.find(tenant.clientKey, accounts[0]!))?.twoFactorId, `${accounts[0]!.replace('dc:', '')}@example.com`);
      });

      it('import with adopt takes over an ID that differs (audited), and refuses one another user holds', async () => {
        const { accounts, jira, mappings, audit, importKind, target } = await setup({ dataCenter });
        jira.values.set(accounts[0]!, { twoFactorId: 'adopted-id', enrolled: false, updatedAt: '2026-11-01T00:00:00Z' });
        jira.values.set(accounts[1]!, { twoFactorId: 'OTHER', enrolled: false, updatedAt: '2026-11-01T00:00:00Z' });
        const report = await runJob(importKind, context, { target, adopt: true });
        assert.equal(detailOf(report.get(accounts[0]!)).adopted, true);
        assert.equal((await mappings.find(tenant.clientKey, accounts[0]!))?.twoFactorId, 'adopted-id');
        assert.equal(failureCode(report.get(accounts[1]!)), 'id_taken');
        assert.ok(audit.entries.some((e) => e.action === 'user.id_assigned' && e.subjectAccountId === accounts[0] && e.actorAccountId === 'admin-1'));
      });
    });
  }

  it('pages over more mappings than a page holds, each planned once', async () => {
    const { exportKind, accounts } = await setup({ extraUsers: SYNC_PAGE_SIZE + 5 });
    const outcomes = await runJob(exportKind, context, { target: 'host' });
    assert.equal(outcomes.size, accounts.length);
  });

  it('hands 429/5xx and 401/403 signals to the runner instead of failing the item', async () => {
    const { jira, exportKind, accounts } = await setup();
    const item = { key: accounts[0]!, payload: null };
    jira.failures.push(new RetryItemLater(3000, '429'));
    await assert.rejects(exportKind.runItem(context, { target: 'host' }, item), RetryItemLater);
    jira.failures.push(new JobStop('host_unauthorized', '401'));
    await assert.rejects(exportKind.runItem(context, { target: 'host' }, item), JobStop);
    assert.deepEqual(await exportKind.runItem(context, { target: 'host' }, item), { ok: true, detail: { result: 'written', reason: 'missing' } });
  });

  it('refuses stored parameters of the wrong shape', () => {
    assert.throws(() => new SyncExportKind({} as SyncDependencies).parseParams({ target: 'elsewhere' }), TypeError);
  });
});
