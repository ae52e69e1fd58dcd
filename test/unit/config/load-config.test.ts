import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ConfigError, isLoopback, loadConfig, type LoadConfigOptions } from '../../../src/config/load-config';
import type { Config } from '../../../src/config/config';

const KEY = randomBytes(32);
const OLD_KEY = randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64');

/** A production environment that starts. */
const PRODUCTION = { NODE_ENV: 'production', TWOFOLD_MASTER_KEY: b64(KEY), AC_LOCAL_BASE_URL: 'https://twofold.example.com' };

function problemsOf(env: NodeJS.ProcessEnv, options?: LoadConfigOptions): string[] {
  try {
    loadConfig(env, options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.ok(error.problems.length > 0);
    for (const problem of error.problems) assert.ok(error.message.includes(problem), 'the message lists every problem');
    return error.problems;
  }
  return assert.fail('the configuration should be refused');
}

function assertProblem(problems: string[], variable: string, pattern?: RegExp): void {
  const match = problems.find((p) => p.startsWith(variable) && (!pattern || pattern.test(p)));
  assert.ok(match, `expected a problem about ${variable}${pattern ? ` matching ${pattern}` : ''} in:\n${problems.join('\n')}`);
}

const developmentKeys = (current = b64(KEY), previous: string[] = []) => {
  let calls = 0;
  const options: LoadConfigOptions = {
    developmentMasterKeys: () => {
      calls += 1;
      return { current, previous };
    },
  };
  return { options, calls: () => calls };
};

describe('loadConfig', () => {
  describe('refusals', () => {
    it('lists every problem at once', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        TWOFOLD_SANDBOX: 'true',
        AC_OPTS: 'no-reg,no-auth',
        AC_LOCAL_BASE_URL: 'http://twofold.example.com',
      });
      assert.equal(problems.length, 4, problems.join('\n'));
      assertProblem(problems, 'TWOFOLD_MASTER_KEY');
      assertProblem(problems, 'TWOFOLD_SANDBOX');
      assertProblem(problems, 'AC_OPTS', /no-auth/);
      assertProblem(problems, 'AC_LOCAL_BASE_URL', /https/);
    });

    it('takes the Web Push settings all together or not at all', () => {
      const problems = problemsOf({ TWOFOLD_MASTER_KEY: b64(KEY), WEB_PUSH_VAPID_PUBLIC_KEY: 'BPub', WEB_PUSH_VAPID_SUBJECT: 'http://example.com' });
      assertProblem(problems, 'WEB_PUSH_VAPID_PUBLIC_KEY', /all three/);
      assertProblem(problems, 'WEB_PUSH_VAPID_SUBJECT', /mailto/);
      assert.equal(loadConfig({ TWOFOLD_MASTER_KEY: b64(KEY) }).webPush, null, 'none: nothing is sent');
      assert.deepEqual(
        loadConfig({
          TWOFOLD_MASTER_KEY: b64(KEY),
          WEB_PUSH_VAPID_PUBLIC_KEY: 'BPub',
          WEB_PUSH_VAPID_PRIVATE_KEY: 'priv',
          WEB_PUSH_VAPID_SUBJECT: 'mailto:a@example.com',
        }).webPush,
        { publicKey: 'BPub', privateKey: 'priv', subject: 'mailto:a@example.com' },
      );
    });

    it('lists malformed variables together with the rules they break elsewhere', () => {
      const problems = problemsOf({
        NODE_ENV: 'production',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        AC_LOCAL_BASE_URL: 'https://twofold.example.com',
        AC_OPTS: 'no-auth',
      });
      assertProblem(problems, 'PORT');
      assertProblem(problems, 'LOG_LEVEL');
      assertProblem(problems, 'TWOFOLD_MASTER_KEY', /required in production/);
      assertProblem(problems, 'AC_OPTS', /no-auth/);
    });

    it('names a malformed variable once, without also calling it missing', () => {
      const problems = problemsOf({ ...PRODUCTION, TWOFOLD_MASTER_KEY: '', AC_LOCAL_BASE_URL: 'not a url' });
      assert.equal(problems.length, 2, problems.join('\n'));
      assertProblem(problems, 'TWOFOLD_MASTER_KEY');
      assertProblem(problems, 'AC_LOCAL_BASE_URL', /http\(s\) URL/);
    });

    it('stops at a malformed NODE_ENV (every other rule depends on the mode), touching no development key', () => {
      const dev = developmentKeys();
      const problems = problemsOf({ NODE_ENV: 'prod' }, dev.options);
      assert.equal(problems.length, 1);
      assertProblem(problems, 'NODE_ENV');
      assert.equal(dev.calls(), 0);
    });

    it('refuses production without TWOFOLD_MASTER_KEY, and never falls back to development keys there', () => {
      const dev = developmentKeys();
      const { TWOFOLD_MASTER_KEY: _omitted, ...env } = PRODUCTION;
      assertProblem(problemsOf(env, dev.options), 'TWOFOLD_MASTER_KEY', /required in production/);
      assert.equal(dev.calls(), 0);
    });

    for (const value of ['true', '1', 'yes', 'on']) {
      it(`refuses production with TWOFOLD_SANDBOX=${value}`, () => {
        assertProblem(problemsOf({ ...PRODUCTION, TWOFOLD_SANDBOX: value }), 'TWOFOLD_SANDBOX');
      });
    }

    for (const mode of ['development', 'test', 'production']) {
      for (const opts of ['no-auth', 'no-reg,no-auth', 'no-token-verification']) {
        it(`refuses AC_OPTS=${opts} in ${mode}`, () => {
          assertProblem(problemsOf({ ...PRODUCTION, NODE_ENV: mode, AC_OPTS: opts }), 'AC_OPTS');
        });
      }
    }

    it('accepts AC_OPTS without an auth bypass (no-reg)', () => {
      assert.equal(loadConfig({ ...PRODUCTION, AC_OPTS: 'no-reg' }).mode, 'production');
    });

    it('refuses an http AC_LOCAL_BASE_URL, or none, in production', () => {
      assertProblem(problemsOf({ ...PRODUCTION, AC_LOCAL_BASE_URL: 'http://twofold.example.com' }), 'AC_LOCAL_BASE_URL', /https/);
      const { AC_LOCAL_BASE_URL: _omitted, ...env } = PRODUCTION;
      assertProblem(problemsOf(env), 'AC_LOCAL_BASE_URL', /required/);
    });

    it('allows an http AC_LOCAL_BASE_URL outside production', () => {
      const config = loadConfig({ NODE_ENV: 'development', TWOFOLD_MASTER_KEY: b64(KEY), AC_LOCAL_BASE_URL: 'http://localhost:4000/' });
      assert.equal(config.localBaseUrl, 'http://localhost:4000');
    });

    it('refuses the sandbox on a HOST that is not loopback (NODE_ENV unset is development)', () => {
      const problems = problemsOf({ TWOFOLD_MASTER_KEY: b64(KEY), HOST: '0.0.0.0' });
      assert.equal(problems.length, 1, problems.join('\n'));
      assertProblem(problems, 'TWOFOLD_SANDBOX', /HOST=0\.0\.0\.0/);
      assertProblem(problemsOf({ NODE_ENV: 'test', TWOFOLD_SANDBOX: 'true', TWOFOLD_MASTER_KEY: b64(KEY), HOST: '10.0.0.5' }), 'TWOFOLD_SANDBOX');
    });

    it('refuses a generated development key on a HOST that is not loopback', () => {
      const dev = developmentKeys();
      const problems = problemsOf({ TWOFOLD_SANDBOX: 'false', HOST: '192.168.1.20' }, dev.options);
      assert.equal(problems.length, 1, problems.join('\n'));
      assertProblem(problems, 'TWOFOLD_MASTER_KEY', /credentials\/master\.key/);
      assert.equal(dev.calls(), 0, 'no key is read or generated for a refused start');
    });

    it('lists both the sandbox and the generated key when both meet a public HOST', () => {
      const problems = problemsOf({ HOST: '::' }, developmentKeys().options);
      assert.equal(problems.length, 2, problems.join('\n'));
      assertProblem(problems, 'TWOFOLD_SANDBOX');
      assertProblem(problems, 'TWOFOLD_MASTER_KEY');
    });

    it('allows the sandbox and a generated key on loopback hosts, and neither when a public HOST is set up for it', () => {
      for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) {
        assert.equal(loadConfig({ HOST: host }, developmentKeys().options).sandbox.enabled, true, host);
      }
      const config = loadConfig({ HOST: '0.0.0.0', TWOFOLD_SANDBOX: 'false', TWOFOLD_MASTER_KEY: b64(KEY) }, developmentKeys().options);
      assert.equal(config.host, '0.0.0.0');
    });

    it('refuses an http CONNECT_KEYS_CDN_URL in production (forged installs), allows https', () => {
      assertProblem(problemsOf({ ...PRODUCTION, CONNECT_KEYS_CDN_URL: 'http://keys.example.com' }), 'CONNECT_KEYS_CDN_URL', /https/);
      assert.equal(loadConfig({ ...PRODUCTION, CONNECT_KEYS_CDN_URL: 'https://keys.example.com' }).connectKeysCdnUrl, 'https://keys.example.com');
    });

    it('refuses a development start with no key and no way to make one', () => {
      assertProblem(problemsOf({ NODE_ENV: 'development' }), 'TWOFOLD_MASTER_KEY', /not set/);
    });
  });

  describe('isLoopback', () => {
    it('knows loopback addresses from others', () => {
      for (const host of ['127.0.0.1', '127.255.0.9', 'localhost', 'LOCALHOST', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopback(host), true, host);
      for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '127.0.0.1.example.com', 'localhost.example.com'])
        assert.equal(isLoopback(host), false, host);
    });
  });

  describe('master keys', () => {
    const cases: Array<[string, string]> = [
      ['16 bytes', b64(randomBytes(16))],
      ['33 bytes', b64(randomBytes(33))],
      ['31 bytes', b64(randomBytes(31))],
      ['not base64', 'this is not a key!'],
      ['hex instead of base64', randomBytes(32).toString('hex')],
    ];
    for (const [what, text] of cases) {
      it(`refuses a master key of ${what}`, () => {
        assertProblem(problemsOf({ ...PRODUCTION, TWOFOLD_MASTER_KEY: text }), 'TWOFOLD_MASTER_KEY', /base64|32 bytes/);
      });
    }

    it('names the bad previous key by position', () => {
      const problems = problemsOf({ ...PRODUCTION, TWOFOLD_PREVIOUS_MASTER_KEYS: `${b64(OLD_KEY)},${b64(randomBytes(8))}` });
      assertProblem(problems, 'TWOFOLD_PREVIOUS_MASTER_KEYS[1]', /32 bytes/);
    });

    it('decodes the current and previous keys (base64, also base64url, spaces trimmed)', () => {
      const config = loadConfig({ ...PRODUCTION, TWOFOLD_MASTER_KEY: ` ${KEY.toString('base64url')} `, TWOFOLD_PREVIOUS_MASTER_KEYS: ` ${b64(OLD_KEY)} ,, ` });
      assert.ok(config.masterKeys.current.equals(KEY));
      assert.equal(config.masterKeys.previous.length, 1);
      assert.ok(config.masterKeys.previous[0]!.equals(OLD_KEY));
    });

    it('uses developmentMasterKeys outside production when TWOFOLD_MASTER_KEY is not set', () => {
      const dev = developmentKeys(b64(KEY), [b64(OLD_KEY)]);
      const config = loadConfig({ NODE_ENV: 'development' }, dev.options);
      assert.equal(dev.calls(), 1);
      assert.ok(config.masterKeys.current.equals(KEY));
      assert.ok(config.masterKeys.previous[0]!.equals(OLD_KEY));
    });

    it('prefers TWOFOLD_MASTER_KEY and TWOFOLD_PREVIOUS_MASTER_KEYS to the development keys', () => {
      const dev = developmentKeys(b64(OLD_KEY));
      const config = loadConfig({ NODE_ENV: 'development', TWOFOLD_MASTER_KEY: b64(KEY) }, dev.options);
      assert.equal(dev.calls(), 0);
      assert.ok(config.masterKeys.current.equals(KEY));

      const withPrevious = developmentKeys(b64(KEY), [b64(randomBytes(32))]);
      const mixed = loadConfig({ NODE_ENV: 'test', TWOFOLD_PREVIOUS_MASTER_KEYS: b64(OLD_KEY) }, withPrevious.options);
      assert.equal(mixed.masterKeys.previous.length, 1);
      assert.ok(mixed.masterKeys.previous[0]!.equals(OLD_KEY));
    });

    it('never asks for development keys in production, even with TWOFOLD_MASTER_KEY set', () => {
      const dev = developmentKeys();
      loadConfig(PRODUCTION, dev.options);
      assert.equal(dev.calls(), 0);
    });
  });

  describe('defaults', () => {
    const load = (env: NodeJS.ProcessEnv): Config => loadConfig({ TWOFOLD_MASTER_KEY: b64(KEY), ...env });

    it('development: port 3000 on 127.0.0.1, SQLite under data/, sandbox on with its own install keys', () => {
      const config = load({});
      assert.equal(config.mode, 'development');
      assert.equal(config.port, 3000);
      assert.equal(config.host, '127.0.0.1');
      assert.equal(config.localBaseUrl, 'http://localhost:3000');
      assert.equal(config.databaseUrl, 'sqlite:data/twofold.sqlite');
      assert.equal(config.sandbox.enabled, true);
      assert.equal(config.connectKeysCdnUrl, 'http://localhost:3000/sandbox/connect-keys');
      assert.equal(config.logLevel, 'info');
      assert.deepEqual(config.masterKeys.previous, []);
    });

    it('production: bound to 0.0.0.0, sandbox off, install keys from Atlassian (undefined)', () => {
      const config = loadConfig(PRODUCTION);
      assert.equal(config.port, 3000);
      assert.equal(config.host, '0.0.0.0');
      assert.equal(config.databaseUrl, 'sqlite:data/twofold.sqlite');
      assert.equal(config.sandbox.enabled, false);
      assert.equal(config.connectKeysCdnUrl, undefined);
      assert.equal(config.localBaseUrl, 'https://twofold.example.com');
    });

    it('test mode: sandbox off unless asked for, and the key path follows it', () => {
      const off = load({ NODE_ENV: 'test' });
      assert.equal(off.sandbox.enabled, false);
      assert.equal(off.connectKeysCdnUrl, undefined);
      assert.equal(off.host, '127.0.0.1');
      const on = load({ NODE_ENV: 'test', TWOFOLD_SANDBOX: 'true', PORT: '8123' });
      assert.equal(on.sandbox.enabled, true);
      assert.equal(on.connectKeysCdnUrl, 'http://localhost:8123/sandbox/connect-keys');
    });

    it('development with the sandbox turned off has no sandbox key path', () => {
      const config = load({ TWOFOLD_SANDBOX: 'false' });
      assert.equal(config.sandbox.enabled, false);
      assert.equal(config.connectKeysCdnUrl, undefined);
    });

    it('takes explicit values: PORT, HOST, DATABASE_URL, CONNECT_KEYS_CDN_URL (trailing slash dropped)', () => {
      const config = load({
        PORT: '8080',
        HOST: '::1',
        DATABASE_URL: 'postgres://twofold@db/twofold',
        CONNECT_KEYS_CDN_URL: 'https://keys.example.com/connect/',
      });
      assert.equal(config.port, 8080);
      assert.equal(config.host, '::1');
      assert.equal(config.localBaseUrl, 'http://localhost:8080');
      assert.equal(config.databaseUrl, 'postgres://twofold@db/twofold');
      assert.equal(config.connectKeysCdnUrl, 'https://keys.example.com/connect');
    });

    it('refuses a DATABASE_URL that is neither sqlite: nor postgres://', () => {
      assertProblem(problemsOf({ ...PRODUCTION, DATABASE_URL: 'mysql://db/twofold' }), 'DATABASE_URL');
    });
  });

  describe('mail', () => {
    const load = (env: NodeJS.ProcessEnv): Config => loadConfig({ TWOFOLD_MASTER_KEY: b64(KEY), ...env });
    it('takes SMTP_URL and TWOFOLD_MAIL_FROM; without SMTP_URL there is no mail server, and the sender defaults to the app host', () => {
      assert.deepEqual(load({}).mail, { smtpUrl: undefined, from: 'Twofold <twofold@localhost>' });
      const config = load({ SMTP_URL: 'smtps://user:pass@mail.example.com:465', TWOFOLD_MAIL_FROM: 'Acme 2FA <2fa@acme.com>' });
      assert.deepEqual(config.mail, { smtpUrl: 'smtps://user:pass@mail.example.com:465', from: 'Acme 2FA <2fa@acme.com>' });
    });

    it('refuses an SMTP_URL that is not smtp:// or smtps://, and SMTP_URL without TWOFOLD_MAIL_FROM in production', () => {
      assertProblem(problemsOf({ ...PRODUCTION, SMTP_URL: 'http://mail.example.com' }), 'SMTP_URL');
      assertProblem(problemsOf({ ...PRODUCTION, SMTP_URL: 'smtp://mail.example.com:587' }), 'TWOFOLD_MAIL_FROM');
      assert.doesNotThrow(() => loadConfig({ ...PRODUCTION, SMTP_URL: 'smtp://mail.example.com:587', TWOFOLD_MAIL_FROM: 'Twofold <2fa@acme.com>' }));
    });
  });
});
