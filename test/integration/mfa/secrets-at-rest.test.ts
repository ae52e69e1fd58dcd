import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { QueryTypes } from 'sequelize';
import { createLogger } from '../../../src/adapters/logging/logger';
import { SEALED_COLUMNS } from '../../../src/adapters/db/sealed-columns';
import { TENANT_OWNED_TABLES } from '../../../src/adapters/db/tenant-owned-tables';
import { encodeBase32, encodeHex } from '../../../src/domain/mfa/secret-encoding';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp } from '../../support/test-app';
import { USERS, codeNow, enroll, verify, wrongCode, type Enrolled } from './support';

/**
 * The database never holds a raw TOTP secret or a raw backup code: seeds are sealed with SecretBox
 * (AES-256-GCM, bound to tenant, user and credential), backup codes are scrypt hashes. Every column
 * of every table is searched for every encoding of the secret and every spelling of each code.
 */
for (const lane of databaseLanes()) {
  describe(`Secrets at rest (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    let app: TestApp;
    let clock: FixedClock;
    let enrolled: Enrolled[];
    /** Every TOTP code this test sends, so that the log is searched for codes that really went through. */
    const sentCodes: string[] = [];
    const logLines: string[] = [];
    const captured = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });

    before(async () => {
      printLaneNotice();
      // Everything logged, down to each SQL statement, goes to `logLines`.
      installed = await startInstalledApp(lane, { clock: steppedClock(), overrides: { logger: createLogger('trace', captured) } });
      ({ app, clock } = installed);
      enrolled = [await enroll(app, clock, USERS.bob), await enroll(app, clock, USERS.carol, { algorithm: 'SHA512', digits: 8 })];
      // A pending re-enrollment, regenerated backup codes and a used code: every state a row can be in.
      clock.advance(30_000);
      assert.equal((await verify(app, USERS.bob, { backupCode: enrolled[0]!.backupCodes[0]! })).status, 200);
      sentCodes.push(codeNow(enrolled[1]!, clock));
      assert.equal((await verify(app, USERS.carol, { code: sentCodes.at(-1)! })).status, 200);
      const fresh = await app.request('POST', '/api/v1/me/backup-codes', {
        token: app.contextToken(USERS.carol),
        body: { backupCode: enrolled[1]!.backupCodes[9]! },
      });
      assert.equal(fresh.status, 201);
      enrolled[1]!.backupCodes.push(...fresh.json().backupCodes);
      const pending = await app.request('POST', '/api/v1/me/totp', { token: app.contextToken(USERS.bob), body: { backupCode: enrolled[0]!.backupCodes[9]! } });
      assert.equal(pending.status, 201);
      enrolled.push({ ...enrolled[0]!, secret: Buffer.from(pending.json().secretHex, 'hex'), backupCodes: [] });
    });
    after(() => installed?.stop());

    async function everyValueInTheDatabase(): Promise<string> {
      const { sequelize } = app.twofold.database;
      const tables = new Set([...TENANT_OWNED_TABLES.map((t) => t.table), 'schema_migrations']);
      const dump: string[] = [];
      for (const table of tables) {
        const rows = await sequelize.query<Record<string, unknown>>(`SELECT * FROM ${table}`, { type: QueryTypes.SELECT });
        for (const row of rows) for (const value of Object.values(row)) dump.push(value instanceof Date ? value.toISOString() : String(value));
      }
      return dump.join('\n');
    }

    it('holds no TOTP secret in base32, hex or base64, active or pending', async () => {
      const dump = await everyValueInTheDatabase();
      assert.ok(dump.length > 1000, 'the dump is not empty');
      for (const { secret } of enrolled) {
        for (const encoding of [
          encodeBase32(secret),
          encodeBase32(secret).toLowerCase(),
          encodeHex(secret),
          secret.toString('base64'),
          secret.toString('base64url'),
        ]) {
          assert.equal(dump.includes(encoding), false, `the secret appears as ${encoding.slice(0, 6)}…`);
          assert.equal(dump.toLowerCase().includes(encoding.toLowerCase()), false);
        }
      }
    });

    it('holds no backup code, used or unused, in any spelling', async () => {
      const dump = (await everyValueInTheDatabase()).toUpperCase();
      const codes = enrolled.flatMap((e) => e.backupCodes);
      assert.ok(codes.length >= 30);
      for (const code of codes) {
        assert.equal(dump.includes(code), false, 'formatted');
        assert.equal(dump.includes(code.replace('-', '')), false, 'without the dash');
      }
    });

    it('logs no secret, code or backup code, even at trace level with every SQL statement', async () => {
      // A failed attempt, a lockout-free wrong backup code, and the codes typed so far all went through.
      sentCodes.push(wrongCode(enrolled[0]!, clock));
      assert.equal((await verify(app, USERS.bob, { code: sentCodes.at(-1)! })).status, 401);
      const log = logLines.join('');
      assert.ok(log.includes('"sql"'), 'SQL statements were logged');
      assert.ok(log.includes('/api/v1/me/verify'), 'requests were logged');
      for (const { secret, backupCodes } of enrolled) {
        for (const encoding of [encodeBase32(secret), encodeHex(secret), secret.toString('base64')]) assert.equal(log.includes(encoding), false);
        for (const code of backupCodes) {
          assert.equal(log.includes(code), false);
          assert.equal(log.includes(code.replace('-', '')), false);
        }
      }
      // The codes that were sent (Carol's right one, Bob's wrong one), anywhere as a number of their own
      // (in JSON, a URL or SQL), not as a run of digits inside a longer number or an id.
      assert.equal(sentCodes.length, 2);
      for (const code of sentCodes) assert.doesNotMatch(log, new RegExp(`\\b${code}\\b`), `code ${code}`);
    });

    it('keeps the seeds in the registered sealed column, sealed under the master key', async () => {
      const sealed = SEALED_COLUMNS.find((column) => column.table === 'totp_credentials');
      assert.ok(sealed, 'totp_credentials.secret_sealed is registered for master-key rotation');
      const rows = await app.twofold.database.sequelize.query<{ secret_sealed: string }>('SELECT secret_sealed FROM totp_credentials', {
        type: QueryTypes.SELECT,
      });
      assert.equal(rows.length, 3);
      for (const row of rows) assert.match(row.secret_sealed, /^v1\.[^.]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      const hashes = await app.twofold.database.sequelize.query<{ hash: string }>('SELECT hash FROM backup_codes', { type: QueryTypes.SELECT });
      for (const row of hashes) assert.match(row.hash, /^scrypt\$ln=14,r=8,p=1\$/);
    });
  });
}
