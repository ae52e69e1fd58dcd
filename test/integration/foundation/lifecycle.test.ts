import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jwt from 'atlassian-jwt';
import { generateKeyPairSync } from 'node:crypto';
import { databaseLanes, printLaneNotice, type TestDatabase } from '../../support/database-lanes';
import { AesGcmSecretBox } from '../../../src/adapters/crypto/aes-gcm-secret-box';
import { SequelizeTenantRepository } from '../../../src/adapters/db/tenant-repository';
import { ALICE_ADMIN, startTestApp, type TestApp } from '../../support/test-app';

for (const lane of databaseLanes()) {
  describe(`Connect lifecycle (${lane.name})`, () => {
    let database: TestDatabase;
    let app: TestApp;

    before(printLaneNotice);
    beforeEach(async () => {
      database = await lane.create();
      app = await startTestApp({ databaseUrl: database.url });
    });
    afterEach(async () => {
      await app.close();
      await database.drop();
    });

    it('serves a descriptor with JWT auth, signed install, lifecycle hooks, scopes and pages', async () => {
      const response = await app.request('GET', '/atlassian-connect.json');
      assert.equal(response.status, 200);
      const descriptor = response.json();
      assert.equal(descriptor.baseUrl, app.baseUrl);
      assert.equal(descriptor.authentication.type, 'jwt');
      assert.deepEqual(descriptor.lifecycle, { installed: '/installed', uninstalled: '/uninstalled' });
      assert.equal(descriptor.apiMigrations['signed-install'], true);
      for (const scope of ['READ', 'WRITE', 'ADMIN']) assert.ok(descriptor.scopes.includes(scope));
      assert.ok(descriptor.modules.adminPages.length >= 1);
      assert.ok(descriptor.modules.generalPages.length >= 1);
    });

    it('installs a tenant from an RS256-signed hook and authenticates its users', async () => {
      await app.install();
      const response = await app.request('GET', '/api/v1/context', { token: app.contextToken(ALICE_ADMIN.accountId) });
      assert.equal(response.status, 200);
      assert.equal(response.json().accountId, ALICE_ADMIN.accountId);
    });

    describe('refuses install hooks that are not properly signed', () => {
      const installBody = () => app.host.lifecyclePayload('io.twofold.jira', 'installed', 'a-shared-secret-of-enough-length-000000');
      const post = (headers: Record<string, string>, body = installBody()) => app.request('POST', '/installed', { headers, body });

      it('an unsigned hook', async () => {
        const response = await post({});
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('an HS256-signed hook', async () => {
        const token = jwt.encodeSymmetric(
          { iss: app.host.clientKey, aud: [app.baseUrl], qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', '/installed')), iat: 0, exp: 4102444800 },
          'whatever',
        );
        const response = await post({ Authorization: `JWT ${token}` });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('a hook for another app (wrong aud)', async () => {
        const token = app.host.signLifecycleToken(app.baseUrl, '/installed', { aud: ['https://someone-else.example.com'] });
        const response = await post({ Authorization: `JWT ${token}` });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('a hook whose payload names another clientKey than its signer', async () => {
        const token = app.host.signLifecycleToken(app.baseUrl, '/installed');
        const response = await post({ Authorization: `JWT ${token}` }, { ...installBody(), clientKey: 'someone-elses-site' });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('a hook signed with a key the key server does not know', async () => {
        const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        const token = jwt.encodeAsymmetric(
          {
            iss: app.host.clientKey,
            aud: [app.baseUrl],
            qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', '/installed')),
            iat: Math.floor(Date.now() / 1000),
            exp: Math.floor(Date.now() / 1000) + 60,
          },
          stranger,
          jwt.AsymmetricAlgorithm.RS256,
          { kid: 'not-a-published-key' },
        );
        const response = await post({ Authorization: `JWT ${token}` });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('a hook signed with the right key but for another request (qsh)', async () => {
        const token = app.host.signLifecycleToken(app.baseUrl, '/installed', { qsh: jwt.createQueryStringHash(jwt.fromMethodAndUrl('POST', '/uninstalled')) });
        const response = await post({ Authorization: `JWT ${token}` });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('a malformed token (which ACE throws on), with a fixed message that echoes nothing', async () => {
        const response = await post({ Authorization: 'JWT a.b.c' });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
        assert.doesNotMatch(response.json().error.message, /a\.b\.c|decode|routines/i);
      });

      it('an uninstall hook that is not signed', async () => {
        const response = await app.request('POST', '/uninstalled', {
          headers: {},
          body: app.host.lifecyclePayload('io.twofold.jira', 'uninstalled', 'a-shared-secret-of-enough-length-000000'),
        });
        assert.equal(response.status, 401);
        assert.equal(response.json().error.code, 'install_unauthorized');
      });

      it('and a refused hook leaves no tenant behind', async () => {
        await post({});
        const [rows] = await app.twofold.database.sequelize.query('SELECT COUNT(*) AS n FROM tenants');
        assert.equal(Number((rows as { n: number }[])[0]!.n), 0);
      });
    });

    it('sets CONNECT_KEYS_CDN_URL once at start, and install or uninstall requests never write process.env', async () => {
      assert.equal(process.env.CONNECT_KEYS_CDN_URL, app.twofold.config.connectKeysCdnUrl);
      const saved = process.env.CONNECT_KEYS_CDN_URL;
      const sentinel = 'https://keys.sentinel.invalid';
      process.env.CONNECT_KEYS_CDN_URL = sentinel;
      try {
        const body = app.host.lifecyclePayload('io.twofold.jira', 'installed', 'a-shared-secret-of-enough-length-000000');
        assert.equal((await app.request('POST', '/installed', { headers: {}, body })).status, 401);
        assert.equal((await app.request('POST', '/uninstalled', { headers: {}, body })).status, 401);
        assert.equal(process.env.CONNECT_KEYS_CDN_URL, sentinel);
      } finally {
        process.env.CONNECT_KEYS_CDN_URL = saved;
      }
    });

    it('a reinstall with a new sharedSecret takes effect at once', async () => {
      await app.install();
      const before = app.contextToken(ALICE_ADMIN.accountId);
      assert.equal((await app.request('GET', '/api/v1/context', { token: before })).status, 200);
      await app.install(); // the sandbox shares a fresh secret on every install
      assert.equal((await app.request('GET', '/api/v1/context', { token: before })).status, 401, 'old secret refused');
      assert.equal((await app.request('GET', '/api/v1/context', { token: app.contextToken(ALICE_ADMIN.accountId) })).status, 200);
    });

    it('uninstall refuses the tenant at once but keeps its data for the grace period', async () => {
      await app.install();
      await app.host.uninstall();
      const [rows] = await app.twofold.database.sequelize.query('SELECT client_key, uninstalled_at FROM tenants');
      const tenants = rows as { client_key: string; uninstalled_at: unknown }[];
      assert.equal(tenants.length, 1, 'the tenant row is kept');
      assert.ok(tenants[0]!.uninstalled_at, 'and marked uninstalled');

      await app.install();
      const token = app.contextToken(ALICE_ADMIN.accountId);
      assert.equal((await app.request('GET', '/api/v1/context', { token })).status, 200, 'a reinstall brings it back');
    });

    it('purges an uninstalled tenant only after the grace period, and never a reinstalled one', async () => {
      const repository = new SequelizeTenantRepository(app.twofold.database.sequelize, new AesGcmSecretBox(app.twofold.config.masterKeys.current));
      await app.install();
      await app.host.uninstall();
      const [uninstalledAt] = (await app.twofold.database.sequelize.query('SELECT uninstalled_at FROM tenants'))[0] as { uninstalled_at: string }[];
      const at = new Date(uninstalledAt!.uninstalled_at).getTime();
      assert.deepEqual(await repository.purgeUninstalledBefore(new Date(at - 1000)), [], 'within the grace period: kept');
      const purged = await repository.purgeUninstalledBefore(new Date(at + 1000));
      assert.deepEqual(purged, [app.host.clientKey]);
      const [rows] = await app.twofold.database.sequelize.query('SELECT COUNT(*) AS n FROM tenants');
      assert.equal(Number((rows as { n: number }[])[0]!.n), 0);

      await app.install();
      assert.deepEqual(await repository.purgeUninstalledBefore(new Date(Date.now() + 60_000)), [], 'an installed tenant is never purged');
    });

    // Postgres only: SQLite has one writer at a time, so the interleaving cannot happen there.
    if (lane.name === 'postgres')
      it('does not purge a tenant whose reinstall commits while the purge runs', async () => {
        const sequelize = app.twofold.database.sequelize;
        const repository = new SequelizeTenantRepository(sequelize, new AesGcmSecretBox(app.twofold.config.masterKeys.current));
        await app.install();
        await app.host.uninstall();
        const replacements = { clientKey: app.host.clientKey };
        // A reinstall in progress, as saveInstallation runs it: the tenant row locked, then marked installed.
        const reinstall = await sequelize.transaction();
        await sequelize.query('SELECT client_key FROM tenants WHERE client_key = :clientKey FOR UPDATE', { replacements, transaction: reinstall });
        const purging = repository.purgeUninstalledBefore(new Date(Date.now() + 60_000));
        await new Promise((resolve) => setTimeout(resolve, 300)); // the purge reaches the locked row
        await sequelize.query('UPDATE tenants SET uninstalled_at = NULL WHERE client_key = :clientKey', { replacements, transaction: reinstall });
        await reinstall.commit();
        assert.deepEqual(await purging, [], 'the purge saw the reinstall and kept the tenant');
        const [rows] = await sequelize.query('SELECT COUNT(*) AS n FROM tenants WHERE uninstalled_at IS NULL');
        assert.equal(Number((rows as { n: number }[])[0]!.n), 1);
      });

    it('refuses the API for an uninstalled tenant', async () => {
      await app.install();
      const token = app.contextToken(ALICE_ADMIN.accountId);
      await app.host.uninstall();
      const response = await app.request('GET', '/api/v1/context', { token });
      assert.equal(response.status, 401);
      assert.equal(response.json().error.code, 'unknown_tenant');
    });

    it('keeps the sharedSecret sealed: it is nowhere in the database', async () => {
      await app.install();
      const secret = app.host.installed!.sharedSecret;
      const [rows] = await app.twofold.database.sequelize.query('SELECT * FROM tenants');
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(secret), 'no raw secret in any column');
      assert.match(String((rows as { shared_secret_sealed: string }[])[0]!.shared_secret_sealed), /^v1\./);
      if (lane.name === 'sqlite') {
        await app.twofold.database.sequelize.query('PRAGMA wal_checkpoint(FULL)');
        const file = database.url.slice('sqlite:'.length);
        assert.ok(!readFileSync(file).includes(Buffer.from(secret)), 'not in the database file either');
      }
    });
  });
}
