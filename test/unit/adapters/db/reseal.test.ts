import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { QueryTypes } from 'sequelize';
import { AesGcmSecretBox } from '../../../../src/adapters/crypto/aes-gcm-secret-box';
import { masterKeyId } from '../../../../src/adapters/crypto/master-key';
import { openDatabase, type Database } from '../../../../src/adapters/db/database';
import { migrate } from '../../../../src/adapters/db/migrate';
import { ResealError, resealAll } from '../../../../src/adapters/db/reseal';
import { SEALED_COLUMNS, tenantSettingContext, tenantSharedSecretContext } from '../../../../src/adapters/db/sealed-columns';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { databaseLanes, printLaneNotice, type TestDatabase } from '../../../support/database-lanes';

const ROOT = resolve(__dirname, '../../../..');
const logger = createLogger('silent');
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const keyC = randomBytes(32);
const idOf = (sealed: string) => sealed.split('.')[1];

interface TenantFixture {
  clientKey: string;
  sharedSecret: string;
  settings: Record<string, string>;
}

/** 7 tenants with 0–3 settings each: more rows than one batch of 3, and composite keys across batches. */
const FIXTURES: TenantFixture[] = Array.from({ length: 7 }, (_, i) => ({
  clientKey: `tenant-${String.fromCharCode(97 + i)}`,
  sharedSecret: `shared-secret-of-tenant-${i}-${randomBytes(4).toString('hex')}`,
  settings: Object.fromEntries(Array.from({ length: i % 4 }, (_, j) => [`setting-${j}`, JSON.stringify({ token: `tok-${i}-${j}` })])),
}));
const SETTING_COUNT = FIXTURES.reduce((sum, f) => sum + Object.keys(f.settings).length, 0);

async function seed(database: Database, box: AesGcmSecretBox, fixtures: TenantFixture[] = FIXTURES): Promise<void> {
  const qi = database.sequelize.getQueryInterface();
  const now = new Date('2025-01-01T00:00:00Z');
  await qi.bulkInsert(
    'tenants',
    fixtures.map((f) => ({
      client_key: f.clientKey,
      base_url: `https://${f.clientKey}.atlassian.net`,
      product_type: 'jira',
      shared_secret_sealed: box.seal(f.sharedSecret, tenantSharedSecretContext(f.clientKey)),
      client_info: '{}',
      installed_at: now,
      updated_at: now,
    })),
  );
  const settings = fixtures.flatMap((f) =>
    Object.entries(f.settings).map(([key, value]) => ({ client_key: f.clientKey, key, value: box.seal(value, tenantSettingContext(f.clientKey, key)) })),
  );
  if (settings.length > 0) await qi.bulkInsert('tenant_settings', settings);
}

async function sealedValues(database: Database): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const { table, keyColumns, column } of SEALED_COLUMNS) {
    const rows = await database.sequelize.query<Record<string, string>>(`SELECT * FROM ${table}`, { type: QueryTypes.SELECT });
    for (const row of rows) values.set(`${table}:${keyColumns.map((k) => row[k]).join('/')}`, row[column]!);
  }
  return values;
}

/** Opens every sealed value with `box` and the context derived from its row, as the repositories do. */
async function openAll(database: Database, box: AesGcmSecretBox): Promise<Map<string, string>> {
  const opened = new Map<string, string>();
  for (const sealed of SEALED_COLUMNS) {
    const rows = await database.sequelize.query<Record<string, unknown>>(`SELECT * FROM ${sealed.table}`, { type: QueryTypes.SELECT });
    for (const row of rows)
      opened.set(`${sealed.table}:${sealed.keyColumns.map((k) => row[k]).join('/')}`, box.open(String(row[sealed.column]), sealed.context(row)));
  }
  return opened;
}

function expectedPlaintexts(fixtures: TenantFixture[] = FIXTURES): Map<string, string> {
  const expected = new Map<string, string>();
  for (const f of fixtures) {
    expected.set(`tenants:${f.clientKey}`, f.sharedSecret);
    for (const [key, value] of Object.entries(f.settings)) expected.set(`tenant_settings:${f.clientKey}/${key}`, value);
  }
  return expected;
}

/**
 * The results for the tables this test seeds; the other sealed columns (second factors, the connector)
 * are walked too but have no rows here, which this checks.
 */
function seeded(results: Array<{ table: string; column: string; resealed: number; alreadyCurrent: number; skipped: number }>) {
  for (const other of results.filter((r) => r.table !== 'tenants' && r.table !== 'tenant_settings')) {
    assert.equal(other.resealed + other.alreadyCurrent + other.skipped, 0, `${other.table}.${other.column} has no rows here`);
  }
  return results.filter((r) => r.table === 'tenants' || r.table === 'tenant_settings');
}

/** The same database, with a hook that runs before each transaction (a concurrent app write, or a crash). */
function withTransactionHook(database: Database, beforeTransaction: (n: number) => Promise<void>): Database {
  let count = 0;
  const sequelize = new Proxy(database.sequelize, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return async (work: never) => {
          count += 1;
          await beforeTransaction(count);
          return target.transaction(work);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { ...database, sequelize };
}

for (const lane of databaseLanes())
  describe(`resealAll (master key rotation) on ${lane.name}`, function () {
    this.timeout(30_000);
    let testDatabase: TestDatabase;
    let database: Database;
    const boxA = new AesGcmSecretBox(keyA);
    const rotating = new AesGcmSecretBox(keyB, [keyA]);
    const onlyB = new AesGcmSecretBox(keyB);

    before(printLaneNotice);
    beforeEach(async () => {
      testDatabase = await lane.create();
      database = await openDatabase(testDatabase.url, logger);
      await migrate(database, logger);
    });
    afterEach(async () => {
      await database.close();
      await testDatabase.drop();
    });

    it('re-seals every value under the new key, with the same context, in batches', async () => {
      await seed(database, boxA);
      const results = await resealAll(database, rotating, logger, { batchSize: 3 });
      assert.deepEqual(seeded(results), [
        { table: 'tenants', column: 'shared_secret_sealed', resealed: FIXTURES.length, alreadyCurrent: 0, skipped: 0 },
        { table: 'tenant_settings', column: 'value', resealed: SETTING_COUNT, alreadyCurrent: 0, skipped: 0 },
      ]);
      assert.equal(results.length, SEALED_COLUMNS.length, 'every registered sealed column is walked');
      for (const [name, value] of await sealedValues(database)) assert.equal(idOf(value), masterKeyId(keyB), name);
      // A box that knows only key B opens everything with the contexts the repositories use.
      assert.deepEqual(await openAll(database, onlyB), expectedPlaintexts());
    });

    it('is a no-op when run again', async () => {
      await seed(database, boxA);
      await resealAll(database, rotating, logger, { batchSize: 4 });
      const before = await sealedValues(database);
      const results = await resealAll(database, rotating, logger, { batchSize: 4 });
      assert.deepEqual(
        seeded(results).map((r) => [r.resealed, r.alreadyCurrent, r.skipped]),
        [
          [0, FIXTURES.length, 0],
          [0, SETTING_COUNT, 0],
        ],
      );
      assert.deepEqual(await sealedValues(database), before);
    });

    it('counts values already under the current key and leaves them as they are', async () => {
      await seed(database, boxA, FIXTURES.slice(0, 3));
      await seed(database, onlyB, FIXTURES.slice(3));
      const before = await sealedValues(database);
      const [tenants] = await resealAll(database, rotating, logger, { batchSize: 2 });
      assert.deepEqual(tenants, { table: 'tenants', column: 'shared_secret_sealed', resealed: 3, alreadyCurrent: 4, skipped: 0 });
      const after = await sealedValues(database);
      for (const f of FIXTURES.slice(3)) assert.equal(after.get(`tenants:${f.clientKey}`), before.get(`tenants:${f.clientKey}`));
    });

    it('stops at a value sealed for another context, naming the row but never the value', async () => {
      await seed(database, boxA);
      const victim = FIXTURES[4]!;
      const stolen = boxA.seal(victim.sharedSecret, tenantSharedSecretContext('tenant-a')); // copied from another row
      await database.sequelize.query('UPDATE tenants SET shared_secret_sealed = :stolen WHERE client_key = :key', {
        replacements: { stolen, key: victim.clientKey },
      });

      const error = await resealAll(database, rotating, logger, { batchSize: 3 }).then(
        () => assert.fail('the run should stop'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ResealError);
      assert.equal(error.table, 'tenants');
      assert.equal(error.column, 'shared_secret_sealed');
      assert.deepEqual(error.rowKeys, { client_key: victim.clientKey });
      assert.ok(!error.message.includes(victim.sharedSecret), 'the plaintext is not in the message');
      assert.ok(!error.message.includes(stolen) && !error.message.includes(stolen.split('.')[3]!), 'the sealed value is not in the message');

      // The batch before the bad row was written; the bad row's batch was not.
      const values = await sealedValues(database);
      assert.deepEqual(
        FIXTURES.map((f) => idOf(values.get(`tenants:${f.clientKey}`)!) === masterKeyId(keyB)),
        [true, true, true, false, false, false, false],
      );
    });

    it('stops at a value sealed under a key that is not configured, naming the key id', async () => {
      await seed(database, boxA, FIXTURES.slice(0, 2));
      await seed(database, new AesGcmSecretBox(keyC), FIXTURES.slice(2, 3));
      await assert.rejects(resealAll(database, rotating, logger), (error: Error) => {
        assert.ok(error instanceof ResealError);
        assert.ok(error.message.includes(masterKeyId(keyC)));
        assert.deepEqual([error.table, error.column, error.rowKeys], ['tenants', 'shared_secret_sealed', { client_key: FIXTURES[2]!.clientKey }]);
        assert.ok(!error.message.includes(FIXTURES[2]!.sharedSecret));
        return true;
      });
    });

    it('finishes the job when rerun after a crash', async () => {
      await seed(database, boxA);
      const crashing = withTransactionHook(database, async (n) => {
        if (n === 2) throw new Error('power cut');
      });
      await assert.rejects(resealAll(crashing, rotating, logger, { batchSize: 3 }), /power cut/);
      const [tenants] = await resealAll(database, rotating, logger, { batchSize: 3 });
      assert.deepEqual(tenants, { table: 'tenants', column: 'shared_secret_sealed', resealed: FIXTURES.length - 3, alreadyCurrent: 3, skipped: 0 });
      assert.deepEqual(await openAll(database, onlyB), expectedPlaintexts());
    });

    it('never overwrites a value a running app wrote meanwhile: skips it, and a rerun picks it up', async () => {
      await seed(database, boxA);
      const target = FIXTURES[1]!;
      // A running instance, still on key A, saves a reinstall between our read and our write.
      const appWrite = boxA.seal('secret-from-reinstall', tenantSharedSecretContext(target.clientKey));
      const racing = withTransactionHook(database, async (n) => {
        if (n !== 1) return;
        await database.sequelize.query('UPDATE tenants SET shared_secret_sealed = :value WHERE client_key = :key', {
          replacements: { value: appWrite, key: target.clientKey },
        });
      });
      const [first] = await resealAll(racing, rotating, logger, { batchSize: 3 });
      assert.deepEqual(first, { table: 'tenants', column: 'shared_secret_sealed', resealed: FIXTURES.length - 1, alreadyCurrent: 0, skipped: 1 });
      assert.equal((await sealedValues(database)).get(`tenants:${target.clientKey}`), appWrite, "the app's write stands");

      const [second] = await resealAll(database, rotating, logger, { batchSize: 3 });
      assert.deepEqual(second, { table: 'tenants', column: 'shared_secret_sealed', resealed: 1, alreadyCurrent: FIXTURES.length - 1, skipped: 0 });
      const opened = await openAll(database, onlyB);
      assert.equal(opened.get(`tenants:${target.clientKey}`), 'secret-from-reinstall');
    });

    it('walks an empty database without error', async () => {
      const results = await resealAll(database, rotating, logger);
      assert.deepEqual(
        results.map((r) => r.resealed + r.alreadyCurrent + r.skipped),
        SEALED_COLUMNS.map(() => 0),
      );
    });
  });

describe('npm run rotate-master-key (child process)', function () {
  this.timeout(60_000);
  let dir: string;
  let dbFile: string;
  const fixtures = FIXTURES.slice(0, 3);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'twofold-rotate-cli-'));
    dbFile = join(dir, 'db.sqlite');
    const database = await openDatabase(`sqlite:${dbFile}`, logger);
    await migrate(database, logger);
    await seed(database, new AesGcmSecretBox(keyA), fixtures);
    await database.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The parent's environment minus anything that configures Twofold, plus `env`. */
  function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(TWOFOLD_|AC_|DATABASE_URL$|NODE_ENV$|LOG_LEVEL$|CONNECT_KEYS_CDN_URL$|PORT$|HOST$)/.test(name)),
    );
    return { ...clean, DATABASE_URL: `sqlite:${dbFile}`, ...env };
  }

  function run(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<{ status: number; output: string }> {
    return new Promise((done) => {
      execFile(command, args, { cwd, env: childEnv(env), timeout: 50_000 }, (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        done({ status, output: `${stdout}\n${stderr}` });
      });
    });
  }

  async function valuesIn(file: string, box: AesGcmSecretBox): Promise<{ keyIds: Set<string>; opened: Map<string, string> }> {
    const database = await openDatabase(`sqlite:${file}`, logger);
    try {
      const keyIds = new Set([...(await sealedValues(database)).values()].map((v) => idOf(v)!));
      return { keyIds, opened: await openAll(database, box) };
    } finally {
      await database.close();
    }
  }

  const production = {
    NODE_ENV: 'production',
    AC_LOCAL_BASE_URL: 'https://example.test',
    TWOFOLD_MASTER_KEY: keyB.toString('base64'),
    TWOFOLD_PREVIOUS_MASTER_KEYS: keyA.toString('base64'),
  };

  it('re-seals a production database under TWOFOLD_MASTER_KEY and says the previous keys can go', async () => {
    const { status, output } = await run('npx', ['tsx', 'src/cli/rotate-master-key.ts'], production);
    assert.equal(status, 0, output);
    assert.match(output, /tenants\.shared_secret_sealed: 3 re-sealed, 0 already current/);
    assert.match(output, /TWOFOLD_PREVIOUS_MASTER_KEYS can now be removed/);
    for (const f of fixtures) assert.ok(!output.includes(f.sharedSecret), 'no secret in the output');
    assert.ok(!output.includes(keyA.toString('base64')) && !output.includes(keyB.toString('base64')), 'no key in the output');
    const { keyIds, opened } = await valuesIn(dbFile, new AesGcmSecretBox(keyB));
    assert.deepEqual([...keyIds], [masterKeyId(keyB)]);
    assert.deepEqual(opened, expectedPlaintexts(fixtures));
  });

  it('exits non-zero, naming the row, when a value opens under no configured key', async () => {
    const { status, output } = await run('npx', ['tsx', 'src/cli/rotate-master-key.ts'], { ...production, TWOFOLD_PREVIOUS_MASTER_KEYS: '' });
    assert.equal(status, 1, output);
    assert.match(output, /rotate-master-key stopped: tenants\.shared_secret_sealed of the row client_key=\\?"tenant-a\\?"/);
    assert.ok(output.includes(masterKeyId(keyA)));
    for (const f of fixtures) assert.ok(!output.includes(f.sharedSecret), 'no secret in the output');
  });

  it('refuses --new-key when TWOFOLD_MASTER_KEY is set, and prints usage with --help', async () => {
    const refused = await run('npx', ['tsx', 'src/cli/rotate-master-key.ts', '--new-key'], production);
    assert.equal(refused.status, 2, refused.output);
    const help = await run('npx', ['tsx', 'src/cli/rotate-master-key.ts', '--help'], {});
    assert.equal(help.status, 0, help.output);
    assert.match(help.output, /^Usage: npm run rotate-master-key/m);
  });

  it('development --new-key: generates a key in credentials/, re-seals, then forgets the old key', async () => {
    const work = join(dir, 'checkout');
    mkdirSync(join(work, 'credentials'), { recursive: true });
    writeFileSync(join(work, 'credentials', 'master.key'), `${keyA.toString('base64')}\n`);
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const { status, output } = await run(tsx, [join(ROOT, 'src/cli/rotate-master-key.ts'), '--new-key'], { NODE_ENV: 'development' }, work);
    assert.equal(status, 0, output);
    const fresh = Buffer.from(readFileSync(join(work, 'credentials', 'master.key'), 'utf8').trim(), 'base64');
    assert.equal(fresh.length, 32);
    assert.ok(!fresh.equals(keyA));
    assert.equal(readFileSync(join(work, 'credentials', 'previous-master.keys'), 'utf8'), '', 'the old key is forgotten');
    const { keyIds, opened } = await valuesIn(dbFile, new AesGcmSecretBox(fresh));
    assert.deepEqual([...keyIds], [masterKeyId(fresh)]);
    assert.deepEqual(opened, expectedPlaintexts(fixtures));
  });
});
