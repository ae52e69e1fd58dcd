import assert from 'node:assert/strict';
import { QueryTypes } from 'sequelize';
import { encodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { totp } from '../../../src/domain/mfa/totp';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { ALICE_ADMIN, BOB_MEMBER, type TestApp } from '../../support/test-app';

const IMPORT = '/api/v1/admin/tokens/import';
const HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';
const ALICE_SEED = Buffer.from('0123456789abcdef0123', 'utf8');
const BOB_SEED = Buffer.from('fedcba9876543210fedc', 'utf8');
const CAROL = { accountId: '5b10ac8d82e05b22cc7d4e3c', email: 'carol.chen@example.com' };

/** Alice's browser session once she has a factor: admin writes then need it (step-up). */
let aliceSession: string | undefined;

function upload(app: TestApp, file: string, query = '', contentType = 'text/csv'): ReturnType<TestApp['request']> {
  const headers: Record<string, string> = { 'Content-Type': contentType, ...(aliceSession === undefined ? {} : { 'X-Twofold-Session': aliceSession }) };
  return app.request('POST', `${IMPORT}${query}`, { token: app.contextToken(ALICE_ADMIN.accountId), body: file, headers });
}

async function waitForJob(app: TestApp, jobId: string): Promise<Record<string, any>> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const job = (await app.request('GET', `/api/v1/admin/jobs/${jobId}`, { token: app.contextToken(ALICE_ADMIN.accountId) })).json();
    if (!['queued', 'running'].includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the import job did not end');
}

async function count(app: TestApp, table: string): Promise<number> {
  const [row] = await app.twofold.database.sequelize.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}`, { type: QueryTypes.SELECT });
  return Number(row!.n);
}

/** Token2 / Microsoft Entra seed files through the API, on each database lane. */
for (const lane of databaseLanes()) {
  describe(`Hardware token import (${lane.name})`, function () {
    this.timeout(60_000);
    let installed: InstalledApp;
    let app: TestApp;

    before(async () => {
      printLaneNotice();
      installed = await startInstalledApp(lane);
      app = installed.app;
      // Bob is matched by his 2FA ID, Alice and Carol by their email addresses.
      const assigned = await app.request('PUT', `/api/v1/admin/users/${BOB_MEMBER.accountId}`, {
        token: app.contextToken(ALICE_ADMIN.accountId),
        body: { twoFactorId: 'bob.token' },
      });
      assert.equal(assigned.status, 200, assigned.text);
    });
    after(async () => {
      aliceSession = undefined;
      await installed?.stop();
    });

    it('refuses a file that is not text/csv, and one with any bad row, storing nothing', async () => {
      const notCsv = await upload(app, `${HEADER}\n`, '', 'text/plain');
      assert.equal(notCsv.status, 415);
      assert.equal(notCsv.json().error.code, 'unsupported_media_type');

      const bad = [
        HEADER,
        `alice@example.com,T2-0001,${encodeBase32(ALICE_SEED)},30,Token2,C202`, // fine, but the file is refused
        `bob.token,T2-0002,not base32!,30,Token2,C202`,
        `nobody@example.com,T2-0003,${encodeBase32(BOB_SEED)},30,Token2,C202`,
        `${CAROL.email},T2-0004,${encodeBase32(BOB_SEED)},45,Token2,C202`,
        `${CAROL.email},T2-0001,${encodeBase32(BOB_SEED)},30,Token2`,
      ].join('\n');
      const refused = await upload(app, bad);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json().error.code, 'invalid_token_file');
      assert.deepEqual(refused.json().error.details.rows, [
        { line: 3, reason: 'secret_malformed' },
        { line: 4, reason: 'unknown_upn' },
        { line: 5, reason: 'period_unknown' },
        { line: 6, reason: 'column_count' },
      ]);
      assert.ok(!refused.text.includes(encodeBase32(ALICE_SEED)));
      assert.equal(await count(app, 'hardware_tokens'), 0);
      assert.equal(await count(app, 'totp_credentials'), 0);
    });

    it("a good file: 202 {jobId}; each token becomes its user's TOTP credential, usable at once, sealed, audited", async () => {
      const good = [
        HEADER,
        `Alice@Example.com,T2-0001,${encodeBase32(ALICE_SEED)},30,Token2,C202`,
        `bob.token,"T2-0002",${BOB_SEED.toString('hex')},60,"Token2, SA",Molto2`,
      ].join('\r\n');
      const started = await upload(app, good);
      assert.equal(started.status, 202, started.text);
      const job = await waitForJob(app, started.json().jobId);
      assert.deepEqual([job.kind, job.state, job.total, job.done, job.failed], ['token_import', 'succeeded', 2, 2, 0]);

      const listed = await app.request('GET', '/api/v1/admin/tokens', { token: app.contextToken(ALICE_ADMIN.accountId) });
      assert.deepEqual(
        listed.json().tokens.map((t: Record<string, unknown>) => [t.serial, t.model, t.manufacturer, t.accountId, t.period, t.state]),
        [
          ['T2-0001', 'C202', 'Token2', ALICE_ADMIN.accountId, 30, 'assigned'],
          ['T2-0002', 'Molto2', 'Token2, SA', BOB_MEMBER.accountId, 60, 'assigned'],
        ],
      );

      const code = totp(BOB_SEED, new Date(), { algorithm: 'SHA1', digits: 6, period: 60 });
      const verified = await app.request('POST', '/api/v1/me/verify', { token: app.contextToken(BOB_MEMBER.accountId), body: { code } });
      assert.equal(verified.status, 200, verified.text);

      const dump = JSON.stringify(await app.twofold.database.sequelize.query('SELECT * FROM hardware_tokens', { type: QueryTypes.SELECT }));
      const creds = JSON.stringify(await app.twofold.database.sequelize.query('SELECT * FROM totp_credentials', { type: QueryTypes.SELECT }));
      const audit = JSON.stringify(await app.twofold.database.sequelize.query('SELECT * FROM audit_events', { type: QueryTypes.SELECT }));
      for (const seed of [ALICE_SEED, BOB_SEED]) {
        for (const text of [dump, creds, audit]) {
          assert.ok(
            !text.includes(encodeBase32(seed)) && !text.includes(seed.toString('hex')) && !text.includes(seed.toString('base64')),
            'no seed in the clear',
          );
        }
      }
      assert.ok(!dump.includes('"secret_sealed":"v'), 'an assigned token keeps no copy of its seed');
      const assignedEntries = await app.twofold.database.sequelize.query<{ action: string }>(
        "SELECT action FROM audit_events WHERE action = 'token.assigned'",
        {
          type: QueryTypes.SELECT,
        },
      );
      assert.equal(assignedEntries.length, 2);
    });

    it('replaces an existing factor only when asked, and never imports a serial twice', async () => {
      // Alice now has a factor (the token): her admin writes need her browser verified.
      const code = totp(ALICE_SEED, new Date(), { algorithm: 'SHA1', digits: 6, period: 30 });
      const verifiedAlice = await app.request('POST', '/api/v1/me/verify', { token: app.contextToken(ALICE_ADMIN.accountId), body: { code } });
      assert.equal(verifiedAlice.status, 200, verifiedAlice.text);
      aliceSession = verifiedAlice.json().sessionToken;
      assert.ok(aliceSession);

      const again = await upload(app, `${HEADER}\nbob.token,T2-0002,${encodeBase32(BOB_SEED)},30,Token2,C202`);
      assert.equal(again.status, 400);
      assert.deepEqual(again.json().error.details.rows, [{ line: 2, reason: 'serial_exists' }]);

      const SEED = Buffer.from('a new seed for alice!');
      const enrolled = await upload(app, `${HEADER}\nalice@example.com,T2-0009,${encodeBase32(SEED)},30,Token2,C202`);
      assert.equal(enrolled.status, 400);
      assert.deepEqual(enrolled.json().error.details.rows, [{ line: 2, reason: 'already_enrolled' }]);

      const replaced = await upload(app, `${HEADER}\nalice@example.com,T2-0009,${encodeBase32(SEED)},30,Token2,C202`, '?replace=true');
      assert.equal(replaced.status, 202, replaced.text);
      const job = await waitForJob(app, replaced.json().jobId);
      assert.deepEqual([job.state, job.done, job.failed], ['succeeded', 1, 0]);
      const newCode = totp(SEED, new Date(), { algorithm: 'SHA1', digits: 6, period: 30 });
      const verified = await app.request('POST', '/api/v1/me/verify', { token: app.contextToken(ALICE_ADMIN.accountId), body: { code: newCode } });
      assert.equal(verified.status, 200, verified.text);
      assert.equal(await count(app, 'totp_credentials'), 2, "the new token replaced Alice's old one");
    });

    it('lists when each token was last used, and unassigns a token with its credential (audited)', async () => {
      const token = app.contextToken(ALICE_ADMIN.accountId);
      const headers = { 'X-Twofold-Session': aliceSession! };
      const before = (await app.request('GET', '/api/v1/admin/tokens', { token })).json().tokens as Array<Record<string, any>>;
      const bob = before.find((t) => t.serial === 'T2-0002')!;
      assert.ok(bob.lastUsedAt !== null && Math.abs(Date.parse(bob.lastUsedAt) - Date.now()) < 120_000, 'Bob verified with it a moment ago');
      assert.equal(before.find((t) => t.serial === 'T2-0001')!.state, 'detached', "replaced by T2-0009: no longer Alice's factor");
      assert.equal(before.find((t) => t.serial === 'T2-0009')!.state, 'assigned');

      const missing = await app.request('DELETE', '/api/v1/admin/tokens/NO-SUCH', { token, headers });
      assert.equal(missing.status, 404);
      const gone = await app.request('DELETE', '/api/v1/admin/tokens/t2-0002', { token, headers });
      assert.equal(gone.status, 204, gone.text);
      const after = (await app.request('GET', '/api/v1/admin/tokens', { token })).json().tokens as Array<Record<string, any>>;
      assert.deepEqual(after.map((t) => t.serial).sort(), ['T2-0001', 'T2-0009']);
      const code = totp(BOB_SEED, new Date(), { algorithm: 'SHA1', digits: 6, period: 60 });
      const refused = await app.request('POST', '/api/v1/me/verify', { token: app.contextToken(BOB_MEMBER.accountId), body: { code } });
      assert.notEqual(refused.status, 200, 'the unassigned token no longer verifies');
      const [entry] = await app.twofold.database.sequelize.query<{ subject_account_id: string; detail: string }>(
        "SELECT subject_account_id, detail FROM audit_events WHERE action = 'token.unassigned'",
        { type: QueryTypes.SELECT },
      );
      assert.equal(entry!.subject_account_id, BOB_MEMBER.accountId);
      assert.match(String(entry!.detail), /T2-0002/);
    });
  });
}
