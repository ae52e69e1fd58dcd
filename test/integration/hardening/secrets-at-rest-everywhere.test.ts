import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { AesGcmSecretBox } from '../../../src/adapters/crypto/aes-gcm-secret-box';
import { connectorSecretContext } from '../../../src/adapters/db/sealed-columns';
import { createLogger } from '../../../src/adapters/logging/logger';
import { decodeBase32, encodeBase32 } from '../../../src/domain/mfa/secret-encoding';
import { totp } from '../../../src/domain/mfa/totp';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice, type DatabaseLane } from '../../support/database-lanes';
import { SecretScanner, type Haystack } from '../../support/secret-scanner';
import { SmtpSink, emailedCode } from '../../support/smtp-sink';
import { steppedClock } from '../../support/stepped-clock';
import { ALICE_ADMIN, type TestApp } from '../../support/test-app';
import { WebCryptoPhone } from '../../support/webcrypto-phone';
import { CONNECTOR, ConnectorScenario, SERVICE_USER } from '../connector/connector-support';
import { USERS, codeNow, enroll, session, verify, type Enrolled } from '../mfa/support';

const TOKEN_CSV_HEADER = 'upn,serial number,secret key,time interval,manufacturer,model';

/**
 * Secrets at rest across the whole app (issue 12): every feature that makes a secret runs once (TOTP
 * enrollment and re-enrollment, backup codes, email codes over SMTP, the connector's Basic password,
 * API token, RSA key and OAuth 1.0a tokens, the install's sharedSecret, a gate key, the companion's
 * pairing and device tokens, browser sessions, a Token2 seed file), with everything logged down to
 * trace. Then the database's raw bytes (the SQLite file and its WAL; a pg_dump of the Postgres
 * schema) and every log line are searched for every secret the test knows, in every spelling. Canaries
 * written on purpose in the clear are found first by the same scanner, so that a blind scanner fails.
 */
for (const lane of databaseLanes()) {
  describe(`Secrets at rest, everywhere (${lane.name})`, function () {
    this.timeout(120_000);
    const s = new ConnectorScenario<FixedClock>(lane, steppedClock);
    const secrets = new SecretScanner();
    const canaries = { database: new SecretScanner(), log: new SecretScanner() };
    const logChunks: Buffer[] = [];
    const logger = createLogger(
      'trace',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          logChunks.push(Buffer.from(chunk));
          done();
        },
      }),
    );
    let smtp: SmtpSink;
    let mails = 0;
    let app: TestApp;

    const as = (accountId: string, sessionToken?: string) => ({ token: app.contextToken(accountId), headers: session(sessionToken) });
    const admin = (method: string, path: string, body?: unknown) =>
      app.request(method, path, { ...as(ALICE_ADMIN.accountId), ...(body === undefined ? {} : { body }) });
    const nextEmailedCode = async () => emailedCode(await smtp.nth(++mails));
    const addEnrolled = (who: string, enrolled: Enrolled) => {
      secrets.addBytes(`${who}'s TOTP seed`, enrolled.secret);
      secrets.addText(`${who}'s browser session`, enrolled.sessionToken);
      for (const code of enrolled.backupCodes) addBackupCode(who, code);
    };
    const addBackupCode = (who: string, code: string) => {
      secrets.addText(`${who}'s backup code`, code, { caseVariants: true });
      secrets.addText(`${who}'s backup code without dashes`, code.replace(/-/g, ''), { caseVariants: true });
    };

    before(async () => {
      printLaneNotice();
      smtp = await SmtpSink.start();
      // Two service accounts in the fake Jira: one signs in with a password, the other with an API token.
      const apiToken = `ATATT3x${randomBytes(24).toString('base64url')}`;
      const passwordUser = {
        key: 'JIRAUSER10009',
        name: 'svc-password',
        displayName: 'Password Service',
        password: `pw ${randomBytes(9).toString('base64url')}`,
      };
      await s.start(
        { users: [{ ...SERVICE_USER, password: apiToken }, passwordUser], groups: { 'jira-users': ['svc-twofold', 'svc-password'] } },
        { overrides: { logger }, env: { SMTP_URL: smtp.url, TWOFOLD_MAIL_FROM: 'Twofold <twofold@test.example>' } },
      );
      app = s.app;
      const clock = s.clock;
      secrets.addText("the installed tenant's ACE sharedSecret", app.host.installed!.sharedSecret);

      // The connector: Basic with a password, then with an API token, then OAuth 1.0a (RSA key, request and access tokens).
      const basic = { baseUrl: s.jira.baseUrl, authType: 'basic' };
      for (const [username, secret, label] of [
        [passwordUser.name, passwordUser.password, 'Basic password'],
        [SERVICE_USER.name, apiToken, 'Basic API token'],
      ] as const) {
        const saved = await s.call('PUT', CONNECTOR, { ...basic, username, secret });
        assert.equal(saved.status, 200, saved.text);
        assert.equal(saved.json().status, 'connected');
        assert.equal((await s.call('POST', `${CONNECTOR}/test`)).status, 200);
        secrets.addText(label, secret);
        secrets.addText(`${label} as an Authorization header`, Buffer.from(`${username}:${secret}`).toString('base64'));
      }
      await s.configureOAuth();
      const authorized = await s.authorize();
      assert.equal(authorized.status, 200, authorized.html);
      assert.equal((await s.view()).status, 'connected');
      const [[row]] = (await app.twofold.database.sequelize.query('SELECT private_key_sealed FROM connectors')) as [
        Array<{ private_key_sealed: string }>,
        unknown,
      ];
      const box = new AesGcmSecretBox(app.twofold.config.masterKeys.current);
      const privateKeyPem = box.open(row!.private_key_sealed, connectorSecretContext(app.host.clientKey, 'private_key_sealed'));
      const bodyLines = privateKeyPem.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----'));
      assert.ok(bodyLines.length >= 20, 'an RSA private key of 2048 bits or more');
      bodyLines.forEach((line, index) => secrets.addText(`RSA private key, PEM line ${index + 1}`, line));
      const requestTokens = s.jira.issuedRequestTokens();
      const accessTokens = s.jira.issuedAccessTokens();
      assert.equal(requestTokens.length, 1);
      assert.equal(accessTokens.length, 1);
      for (const { secret } of requestTokens) secrets.addText('OAuth request token secret', secret, { caseVariants: true });
      for (const { token, secret } of accessTokens) {
        secrets.addText('OAuth access token', token, { caseVariants: true });
        secrets.addText('OAuth access token secret', secret, { caseVariants: true });
      }

      // A gate: its key is shown once.
      const gate = await admin('POST', '/api/v1/admin/gates', { name: 'Jira DC' });
      assert.equal(gate.status, 201, gate.text);
      secrets.addText('gate key', gate.json().key);

      // A Token2 seed file: Dave matched by his 2FA ID (base32 seed), Erin by her email address (hex seed).
      assert.equal((await admin('PUT', `/api/v1/admin/users/${USERS.dave}`, { twoFactorId: 'dave.token' })).status, 200);
      const [daveSeed, erinSeed] = [randomBytes(20), randomBytes(20)];
      const file = [
        TOKEN_CSV_HEADER,
        `dave.token,T2-9001,${encodeBase32(daveSeed)},30,Token2,C202`,
        `erin.novak@example.com,T2-9002,${erinSeed.toString('hex')},30,Token2,Molto2`,
      ].join('\n');
      const imported = await app.request('POST', '/api/v1/admin/tokens/import', {
        ...as(ALICE_ADMIN.accountId),
        body: file,
        headers: { 'Content-Type': 'text/csv' },
      });
      assert.equal(imported.status, 202, imported.text);
      await jobEnds(app, imported.json().jobId);
      secrets.addBytes("Dave's hardware token seed", daveSeed);
      secrets.addBytes("Erin's hardware token seed", erinSeed);
      const erinVerified = await verify(app, USERS.erin, { code: totp(erinSeed, clock.now(), { algorithm: 'SHA1', digits: 6, period: 30 }) });
      assert.equal(erinVerified.status, 200, erinVerified.text);
      secrets.addText("Erin's browser session", erinVerified.json().sessionToken);

      // Email codes on; TOTP for Bob and Carol (SHA-512, 8 digits), a used backup code, new backup codes, a pending re-enrollment.
      assert.equal((await admin('PUT', '/api/v1/admin/policy', { methods: ['totp', 'backup_codes', 'email', 'access_pass'] })).status, 200);
      const bob = await enroll(app, clock, USERS.bob);
      const carol = await enroll(app, clock, USERS.carol, { algorithm: 'SHA512', digits: 8 });
      addEnrolled('Bob', bob);
      addEnrolled('Carol', carol);
      clock.advance(30_000);
      const withBackup = await verify(app, USERS.bob, { backupCode: bob.backupCodes[0]! });
      assert.equal(withBackup.status, 200, withBackup.text);
      secrets.addText("Bob's second browser session", withBackup.json().sessionToken);
      const withCode = await verify(app, USERS.carol, { code: codeNow(carol, clock) });
      assert.equal(withCode.status, 200, withCode.text);
      secrets.addText("Carol's second browser session", withCode.json().sessionToken);
      const fresh = await app.request('POST', '/api/v1/me/backup-codes', { ...as(USERS.carol), body: { backupCode: carol.backupCodes[9]! } });
      assert.equal(fresh.status, 201, fresh.text);
      for (const code of fresh.json().backupCodes as string[]) addBackupCode('Carol', code);
      const pending = await app.request('POST', '/api/v1/me/totp', { ...as(USERS.bob), body: { backupCode: bob.backupCodes[9]! } });
      assert.equal(pending.status, 201, pending.text);
      const pendingSeed = decodeBase32(pending.json().secretBase32);
      assert.ok(pendingSeed.ok);
      assert.equal(pendingSeed.bytes.toString('hex'), pending.json().secretHex);
      secrets.addBytes("Bob's pending TOTP seed", pendingSeed.bytes);

      // Email codes over SMTP: one used by Dave, one left waiting for Alice.
      assert.equal((await app.request('POST', '/api/v1/me/email-code', { ...as(USERS.dave), body: {} })).status, 202);
      const daveCode = await nextEmailedCode();
      secrets.addText("Dave's email code", daveCode);
      const byEmail = await verify(app, USERS.dave, { emailCode: daveCode });
      assert.equal(byEmail.status, 200, byEmail.text);
      secrets.addText("Dave's browser session", byEmail.json().sessionToken);
      assert.equal((await app.request('POST', '/api/v1/me/email-code', { ...as(USERS.alice), body: {} })).status, 202);
      secrets.addText("Alice's unused email code", await nextEmailedCode());

      // The companion: a phone paired with a WebCrypto key, a pairing left unused, an access pass approved.
      const pairing = async () => {
        const started = await app.request('POST', '/api/v1/me/devices/pairing', as(USERS.bob, bob.sessionToken));
        assert.equal(started.status, 201, started.text);
        const url: string = started.json().pairingUrl;
        secrets.addText('companion pairing token', new URL(url).hash.replace(/^#pair=/, ''));
        return url;
      };
      const phone = await WebCryptoPhone.create(app);
      assert.equal((await phone.pair(await pairing(), 'Bob’s phone')).status, 201);
      secrets.addText('companion device token', phone.deviceToken!);
      await pairing();
      const asked = await app.request('POST', '/api/v1/me/access-pass', as(USERS.bob));
      assert.equal(asked.status, 201, asked.text);
      const { challengeId, symbol } = asked.json();
      const request = (await phone.requests()).requests.find((candidate) => candidate.challengeId === challengeId);
      assert.ok(request && symbol);
      assert.equal((await phone.answer(request, symbol.id, 'approve')).status, 204);
      const passed = (await app.request('GET', `/api/v1/me/access-pass/${challengeId}`, as(USERS.bob))).json();
      assert.equal(passed.state, 'approved');
      secrets.addText("Bob's access-pass browser session", passed.sessionToken);

      // The canaries: the same kinds of secret, written where nothing seals them.
      const canaryText = `canary-${randomBytes(18).toString('base64url')}`;
      const canarySeed = randomBytes(20);
      const canaryBase32 = randomBytes(20);
      canaries.database.addText('canary text in a test-only table', canaryText);
      canaries.database.addBytes('canary seed stored as raw bytes', canarySeed);
      canaries.database.addBytes('canary seed stored in base32', canaryBase32);
      const { sequelize, dialect } = app.twofold.database;
      await sequelize.query(`CREATE TABLE test_canary (label VARCHAR(64), value TEXT, raw ${dialect === 'postgres' ? 'BYTEA' : 'BLOB'})`);
      await sequelize.query('INSERT INTO test_canary (label, value, raw) VALUES ($1, $2, $3), ($4, $5, $6)', {
        bind: ['text', canaryText, null, 'seed', encodeBase32(canaryBase32), canarySeed],
      });
      const canaryLogged = randomBytes(24).toString('base64url');
      canaries.log.addText('canary in a debug log line', canaryLogged);
      logger.debug({ canaryLogged }, 'a canary the scanner must find');
    });
    after(async () => {
      await s.stop();
      await smtp?.close();
    });

    /**
     * The database as bytes, read once after every feature ran (the canaries included): the SQLite WAL
     * and then the file after a checkpoint, or a pg_dump of the test's schema.
     */
    let databaseRead: Promise<Haystack[]> | undefined;
    const databaseBytes = () => (databaseRead ??= readDatabase());
    async function readDatabase(): Promise<Haystack[]> {
      const { sequelize, dialect } = app.twofold.database;
      const url = app.twofold.config.databaseUrl;
      if (dialect === 'postgres') {
        const schema = /search_path=(\w+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
        assert.ok(schema, 'the Postgres lane uses a schema of its own');
        const base = new URL(url);
        base.search = '';
        const dump = execFileSync('/usr/bin/pg_dump', ['--no-owner', '--schema', schema, base.toString()], { maxBuffer: 512 * 1024 * 1024 });
        assert.match(dump.toString('utf8'), /COPY .*\.totp_credentials/);
        return [{ source: `pg_dump of schema ${schema}`, bytes: dump }];
      }
      const file = url.replace(/^sqlite:/, '');
      const haystacks: Haystack[] = [];
      // The WAL as it stands (recent writes may live only there), then everything checkpointed into the file.
      if (existsSync(`${file}-wal`)) haystacks.push({ source: 'sqlite -wal before checkpoint', bytes: readFileSync(`${file}-wal`) });
      await sequelize.query('PRAGMA wal_checkpoint(TRUNCATE)');
      haystacks.push({ source: 'sqlite file after checkpoint', bytes: readFileSync(file) });
      return haystacks;
    }

    const logBytes = (): Haystack => ({ source: 'log (trace)', bytes: Buffer.concat(logChunks) });

    it('finds every canary written in the clear, in the database and in the log (the scanner can fail)', async () => {
      const database = await databaseBytes();
      const found = canaries.database.scan(database);
      assert.deepEqual(
        canaries.database.secrets.map((secret) => secret.label).filter((label) => !found.some((finding) => finding.label === label)),
        [],
        'every database canary is found',
      );
      assert.ok(found.some((f) => f.label === 'canary seed stored in base32' && f.encoding === 'base32'));
      assert.ok(found.some((f) => f.label === 'canary seed stored as raw bytes' && f.encoding === (lane.name === 'postgres' ? 'hex' : 'raw bytes')));
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(canaries.log.scan([logBytes()]).length > 0, 'the log canary is found');
    });

    it('finds no secret of any feature in the database or the log, in any spelling', async () => {
      const haystacks = [...(await databaseBytes()), logBytes()];
      const log = haystacks.at(-1)!.bytes.toString('utf8');
      assert.ok(log.includes('/api/v1/me/verify') && log.includes('/companion/api/v1/devices'), 'requests were logged');
      assert.ok(log.includes('"sql"'), 'SQL statements were logged');
      const findings = secrets.scan(haystacks);
      report(lane, secrets, haystacks, findings.length);
      assert.deepEqual(
        findings.map((finding) => `${finding.label} (${finding.encoding}) in ${finding.source} at byte ${finding.offset}`),
        [],
      );
    });
  });
}

async function jobEnds(app: TestApp, jobId: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const job = (await app.request('GET', `/api/v1/admin/jobs/${jobId}`, { token: app.contextToken(ALICE_ADMIN.accountId) })).json();
    if (!['queued', 'running'].includes(job.state)) {
      assert.deepEqual([job.state, job.done, job.failed], ['succeeded', 2, 0]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the import job did not end');
}

function report(lane: DatabaseLane, scanner: SecretScanner, haystacks: Haystack[], found: number): void {
  const kinds = new Set(scanner.secrets.map((secret) => secret.label.replace(/^\w+'s /, '').replace(/ \d+$/, '')));
  process.stdout.write(
    `      [secrets at rest, ${lane.name}] ${scanner.secrets.length} secrets of ${kinds.size} kinds in ${scanner.needleCount} spellings, searched in ` +
      haystacks.map((h) => `${h.source} (${h.bytes.length} bytes)`).join(', ') +
      `: ${haystacks.reduce((sum, h) => sum + h.bytes.length, 0)} bytes; found ${found}\n`,
  );
}
