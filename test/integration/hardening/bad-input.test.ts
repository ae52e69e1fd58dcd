import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { ALL_ROUTES } from '../../../routes/openapi';
import type { RouteAuth } from '../../../src/http/route-doc';
import { badInputCases, INJECTIONS, wrongMethodCases, type BadInputCase } from '../../support/bad-input-cases';
import { databaseLanes } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { ALICE_ADMIN, BOB_MEMBER } from '../../support/test-app';

/**
 * Every route the OpenAPI document describes (and the openapi test proves that is every route the app
 * registers), fed malformed JSON, wrong types, missing and unknown fields, oversized bodies, control
 * characters, very long strings, injection strings and wrong methods. For every case: no 5xx, the
 * contract's error shape, no injected header, and a refused request changes nothing in the database.
 */
describe('Bad input on every route', function () {
  this.timeout(300_000);
  const lane = databaseLanes().find((candidate) => candidate.name === 'sqlite')!;
  let installed: InstalledApp;

  before(async () => {
    installed = await startInstalledApp(lane);
  });
  after(() => installed?.stop());

  /** Every row of every table, hashed: a refused request must leave it as it was. */
  async function fingerprint(): Promise<string> {
    const sequelize = installed.app.twofold.database.sequelize;
    const tables = await sequelize.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", { type: QueryTypes.SELECT });
    const hash = createHash('sha256');
    for (const { name } of tables) {
      const rows = await sequelize.query(`SELECT * FROM "${name}"`, { type: QueryTypes.SELECT });
      hash.update(name).update(JSON.stringify(rows.map((row) => JSON.stringify(row)).sort()));
    }
    return hash.digest('hex');
  }

  /** Waits until the database stops changing (background jobs done), for at most ten seconds. */
  async function settled(): Promise<void> {
    let last = await fingerprint();
    for (let i = 0; i < 40; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = await fingerprint();
      if (now === last) return;
      last = now;
    }
  }

  function parsed(text: string): { error?: { code?: unknown; message?: unknown } } {
    try {
      return JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    } catch {
      return {};
    }
  }

  async function send(kase: BadInputCase, token: string | undefined): Promise<{ status: number; headers: Headers; text: string }> {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `JWT ${token}`;
    if (kase.contentType && kase.rawBody !== undefined) headers['Content-Type'] = kase.contentType;
    const response = await fetch(`${installed.app.baseUrl}${kase.path}`, {
      method: kase.method,
      headers,
      ...(kase.rawBody === undefined ? {} : { body: kase.rawBody }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it('answers every case without a 5xx, in the error shape, and changes nothing when it refuses', async () => {
    // The gate's routes are called without the key nginx adds: what a stranger reaching Twofold directly can do.
    const tokens: Record<RouteAuth, string | undefined> = {
      none: undefined,
      gateKey: undefined,
      connectJwt: installed.app.contextToken(BOB_MEMBER.accountId),
      connectJwtAdmin: installed.app.contextToken(ALICE_ADMIN.accountId),
    };
    const perRoute: string[] = [];
    const problems: string[] = [];
    let total = 0;
    const paths = new Map<string, string[]>();
    for (const route of ALL_ROUTES) paths.set(route.path, [...(paths.get(route.path) ?? []), route.method.toUpperCase()]);

    for (const route of ALL_ROUTES) {
      const cases = badInputCases(route);
      for (const kase of cases) {
        const before = await fingerprint();
        const response = await send(kase, tokens[route.auth]);
        const where = `${kase.method} ${route.path} [${kase.name}]`;
        if (response.status >= 500) problems.push(`${where}: ${response.status} ${response.text.slice(0, 200)}`);
        if (response.status >= 400 && route.page) {
          if ((await fingerprint()) !== before) problems.push(`${where}: refused (${response.status}) but the database changed`);
        } else if (response.status >= 400) {
          const body = parsed(response.text);
          if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string')
            problems.push(`${where}: not the error shape: ${response.text.slice(0, 200)}`);
          else if (INJECTIONS.some((injection) => injection.length > 8 && String(body.error!.message).includes(injection)))
            problems.push(`${where}: the message echoes the input`);
          if ((await fingerprint()) !== before) problems.push(`${where}: refused (${response.status}) but the database changed`);
        } else {
          if (!kase.mayBeAccepted) problems.push(`${where}: accepted with ${response.status}`);
          // An accepted write may start a job (a rollout to a group named <script>): let it finish
          // before the next case, whose database check would otherwise see the job's writes.
          await settled();
        }
        if (response.headers.get('set-cookie')?.includes('injected')) problems.push(`${where}: header injection`);
      }
      total += cases.length;
      perRoute.push(`${String(cases.length).padStart(4)}  ${route.method.toUpperCase()} ${route.path}`);
    }
    for (const [path, served] of paths) {
      for (const kase of wrongMethodCases(path, served)) {
        const response = await send(kase, tokens.connectJwtAdmin);
        total += 1;
        if (response.status !== 404 && response.status !== 405) problems.push(`${kase.method} ${path}: a wrong method answered ${response.status}`);
        else if (typeof parsed(response.text).error?.code !== 'string') problems.push(`${kase.method} ${path}: not the error shape`);
      }
    }
    console.log(
      `      bad-input cases per route:\n${perRoute.map((line) => `        ${line}`).join('\n')}\n      in all: ${total} cases on ${ALL_ROUTES.length} routes`,
    );
    assert.deepEqual(problems, []);
  });
});
