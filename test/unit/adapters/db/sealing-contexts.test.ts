import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { AesGcmSecretBox } from '../../../../src/adapters/crypto/aes-gcm-secret-box';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { LEGACY_CONTEXTS } from '../../../../src/adapters/db/legacy-sealing-contexts';
import { createUmzug, migrate } from '../../../../src/adapters/db/migrate';
import { ResealError } from '../../../../src/adapters/db/reseal';
import {
  SEALED_COLUMNS,
  connectorRequestTokenSecretContext,
  tenantSettingContext,
  tenantSharedSecretContext,
  totpSecretContext,
} from '../../../../src/adapters/db/sealed-columns';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { databaseLanes, printLaneNotice, type TestDatabase } from '../../../support/database-lanes';

const logger = createLogger('silent');
const box = new AesGcmSecretBox(randomBytes(32));

describe('sealing contexts', () => {
  // Atlassian accountIds look like `557058:f58131cb-…`: a `:` inside a part used to shift the boundaries.
  const collidingBefore: Array<[string, () => [string, string], () => [string, string]]> = [
    [
      'a TOTP seed of tenant `a`, user `b:c` vs tenant `a:b`, user `c`',
      () => [LEGACY_CONTEXTS.totpSecret('a', 'b:c', 'id-1'), LEGACY_CONTEXTS.totpSecret('a:b', 'c', 'id-1')],
      () => [totpSecretContext('a', 'b:c', 'id-1'), totpSecretContext('a:b', 'c', 'id-1')],
    ],
    [
      'a TOTP seed of user `557058:x`, credential `y` vs user `557058`, credential `x:y`',
      () => [LEGACY_CONTEXTS.totpSecret('t', '557058:x', 'y'), LEGACY_CONTEXTS.totpSecret('t', '557058', 'x:y')],
      () => [totpSecretContext('t', '557058:x', 'y'), totpSecretContext('t', '557058', 'x:y')],
    ],
    [
      'a setting `k` of tenant `jira:1` vs a setting `1:k` of tenant `jira`',
      () => [LEGACY_CONTEXTS.tenantSetting('jira:1', 'k'), LEGACY_CONTEXTS.tenantSetting('jira', '1:k')],
      () => [tenantSettingContext('jira:1', 'k'), tenantSettingContext('jira', '1:k')],
    ],
    [
      'a request token of tenant `a:b`, state `c` vs tenant `a`, state `b:c`',
      () => [LEGACY_CONTEXTS.connectorRequestTokenSecret('a:b', 'c'), LEGACY_CONTEXTS.connectorRequestTokenSecret('a', 'b:c')],
      () => [connectorRequestTokenSecretContext('a:b', 'c'), connectorRequestTokenSecretContext('a', 'b:c')],
    ],
  ];

  for (const [name, legacy, current] of collidingBefore) {
    it(`keeps apart ${name}, which the old \`:\`-joined contexts confused`, () => {
      const [oldOne, oldOther] = legacy();
      assert.equal(oldOne, oldOther, 'the two tuples shared one context before');
      const [one, other] = current();
      assert.notEqual(one, other);
      const sealed = box.seal('seed', one);
      assert.equal(box.open(sealed, one), 'seed');
      assert.throws(() => box.open(sealed, other), 'a value sealed for one tuple does not open as the other');
    });
  }

  it('never equals an old context, so no old value opens under a new context by accident', () => {
    assert.notEqual(tenantSharedSecretContext('jira-1'), LEGACY_CONTEXTS.tenantSharedSecret('jira-1'));
    assert.throws(() => box.open(box.seal('s', LEGACY_CONTEXTS.tenantSharedSecret('jira-1')), tenantSharedSecretContext('jira-1')));
  });
});

const BEFORE = '0110-browser-sessions';
const ACCOUNT = '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077';

/** Rows as the app wrote them before 0200: every sealed column, sealed with the old contexts. */
async function seedLegacyRows(database: Database, sealer: AesGcmSecretBox, count: number): Promise<Map<string, string>> {
  const qi = database.sequelize.getQueryInterface();
  const now = new Date('2025-01-01T00:00:00Z');
  const expected = new Map<string, string>();
  for (let i = 0; i < count; i += 1) {
    const clientKey = `jira:${i}`;
    const secret = `shared-${i}`;
    await qi.bulkInsert('tenants', [
      {
        client_key: clientKey,
        base_url: `https://t${i}.atlassian.net`,
        product_type: 'jira',
        shared_secret_sealed: sealer.seal(secret, LEGACY_CONTEXTS.tenantSharedSecret(clientKey)),
        client_info: '{}',
        installed_at: now,
        updated_at: now,
      },
    ]);
    expected.set(`tenants/${clientKey}`, secret);
    await qi.bulkInsert('tenant_settings', [
      { client_key: clientKey, key: 'a:b', value: sealer.seal(`{"s":${i}}`, LEGACY_CONTEXTS.tenantSetting(clientKey, 'a:b')) },
    ]);
    expected.set(`tenant_settings/${clientKey}/a:b`, `{"s":${i}}`);
    const id = `cred-${i}`;
    await qi.bulkInsert('totp_credentials', [
      {
        id,
        client_key: clientKey,
        account_id: ACCOUNT,
        status: 'active',
        secret_sealed: sealer.seal(`seed-${i}`, LEGACY_CONTEXTS.totpSecret(clientKey, ACCOUNT, id)),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        created_at: now,
      },
    ]);
    expected.set(`totp_credentials/${clientKey}/${ACCOUNT}/${id}`, `seed-${i}`);
  }
  const clientKey = 'jira:0';
  await qi.bulkInsert('connectors', [
    {
      client_key: clientKey,
      private_key_sealed: sealer.seal('PEM', LEGACY_CONTEXTS.connectorSecret(clientKey, 'private_key_sealed')),
      generation: 0,
      version: 1,
    },
  ]);
  expected.set(`connectors/${clientKey}/private_key_sealed`, 'PEM');
  return expected;
}

/** Every non-null sealed value, opened with the contexts the repositories use today. */
async function openAll(database: Database, opener: AesGcmSecretBox): Promise<Map<string, string>> {
  const opened = new Map<string, string>();
  for (const sealed of SEALED_COLUMNS) {
    const rows = await database.sequelize.query<Record<string, unknown>>(`SELECT * FROM ${sealed.table}`, { type: QueryTypes.SELECT });
    for (const row of rows) {
      const value = row[sealed.column];
      if (typeof value !== 'string') continue;
      const name = [sealed.table, ...sealed.keyColumns.map((k) => String(row[k]))].join('/') + (sealed.table === 'connectors' ? `/${sealed.column}` : '');
      opened.set(name, opener.open(value, sealed.context(row)));
    }
  }
  return opened;
}

for (const lane of databaseLanes())
  describe(`migration 0200 (unambiguous sealing contexts) on ${lane.name}`, function () {
    this.timeout(30_000);
    let testDatabase: TestDatabase;
    let database: Database;

    before(printLaneNotice);
    beforeEach(async () => {
      testDatabase = await lane.create();
      database = await openDatabase(testDatabase.url, logger);
      await createUmzug(database, logger).up({ to: BEFORE });
    });
    afterEach(async () => {
      await database.close();
      await testDatabase.drop();
    });

    it('re-seals every row sealed with an old context, which then opens only with the new one', async () => {
      const expected = await seedLegacyRows(database, box, 3);
      await assert.rejects(openAll(database, box), 'old rows do not open with the new contexts before the migration');

      assert.deepEqual(fromBefore(await migrate(database, logger, box)), ['0200-unambiguous-sealing-contexts']);
      assert.deepEqual(await openAll(database, box), expected);
      assert.deepEqual(await migrate(database, logger, box), [], 'it runs once');
    });

    it('re-seals under the current master key when the rows are under a previous one', async () => {
      const oldKey = randomBytes(32);
      const newKey = randomBytes(32);
      const expected = await seedLegacyRows(database, new AesGcmSecretBox(oldKey), 2);
      await migrate(database, logger, new AesGcmSecretBox(newKey, [oldKey]));
      assert.deepEqual(await openAll(database, new AesGcmSecretBox(newKey)), expected);
    });

    it('leaves alone rows already sealed with the new context', async () => {
      await seedLegacyRows(database, box, 1);
      const current = box.seal('new-secret', tenantSharedSecretContext('jira:new'));
      const now = new Date();
      await database.sequelize.getQueryInterface().bulkInsert('tenants', [
        {
          client_key: 'jira:new',
          base_url: 'https://n.atlassian.net',
          product_type: 'jira',
          shared_secret_sealed: current,
          client_info: '{}',
          installed_at: now,
          updated_at: now,
        },
      ]);
      await migrate(database, logger, box);
      const [row] = await database.sequelize.query<{ shared_secret_sealed: string }>("SELECT shared_secret_sealed FROM tenants WHERE client_key = 'jira:new'", {
        type: QueryTypes.SELECT,
      });
      assert.equal(row?.shared_secret_sealed, current);
    });

    it('stops, naming the row, at a value that opens under neither context, and stays pending', async () => {
      await seedLegacyRows(database, box, 1);
      await database.sequelize.query("UPDATE tenants SET shared_secret_sealed = :other WHERE client_key = 'jira:0'", {
        replacements: { other: box.seal('stolen', LEGACY_CONTEXTS.tenantSharedSecret('jira:9')) },
      });
      const error = await migrate(database, logger, box).then(
        () => assert.fail('the migration should stop'),
        (failure: unknown) => failure,
      );
      const reseal = findCause(error, ResealError);
      assert.ok(reseal, 'a ResealError is the cause');
      assert.deepEqual([reseal.table, reseal.column, reseal.rowKeys], ['tenants', 'shared_secret_sealed', { client_key: 'jira:0' }]);
      assert.deepEqual(fromBefore((await createUmzug(database, logger).pending()).map((m) => m.name)), ['0200-unambiguous-sealing-contexts']);
    });

    it('refuses to run over sealed rows without the master key, and runs on an empty database without it', async () => {
      await assert.doesNotReject(async () => {
        const fresh = await lane.create();
        const empty = await openDatabase(fresh.url, logger);
        try {
          assert.ok((await migrate(empty, logger)).includes('0200-unambiguous-sealing-contexts'));
        } finally {
          await empty.close();
          await fresh.drop();
        }
      });
      await seedLegacyRows(database, box, 1);
      await assert.rejects(migrate(database, logger));
      assert.deepEqual(fromBefore((await createUmzug(database, logger).pending()).map((m) => m.name)), ['0200-unambiguous-sealing-contexts']);
    });
  });

/** The migrations up to 0200 among `names`: the later ones (new tables of later features) are not this test's concern. */
function fromBefore(names: string[]): string[] {
  return names.filter((name) => name <= '0200-unambiguous-sealing-contexts');
}

/** Umzug wraps a migration's failure; the ResealError is somewhere down its `cause` chain. */
function findCause<T>(error: unknown, type: new (...args: never[]) => T): T | undefined {
  for (let current = error; current !== undefined && current !== null; current = (current as { cause?: unknown }).cause) {
    if (current instanceof type) return current;
  }
  return undefined;
}
