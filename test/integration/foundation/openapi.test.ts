import assert from 'node:assert/strict';
import { GATE_CHECK_ROUTES } from '../../../routes/gate-pages';
import { ALL_ROUTES } from '../../../routes/openapi';
import { databaseLanes } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { registeredRoutes } from '../../support/registered-routes';

/**
 * The OpenAPI document describes exactly the API the app serves: no route of /api/v1 or /gate/v1
 * without a description, no description without a route. It is built from the zod schemas the
 * handlers validate with, so request shapes cannot drift.
 */
describe('OpenAPI document', () => {
  const lane = databaseLanes().find((candidate) => candidate.name === 'sqlite')!;
  let installed: InstalledApp;

  before(async () => {
    installed = await startInstalledApp(lane, { install: false });
  });
  after(() => installed?.stop());

  it('describes every registered route of /api/v1 and /gate/v1, and nothing else', () => {
    // The check is answered before Express (by the Node listener): it is not in Express's stack.
    const beforeExpress = GATE_CHECK_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`);
    const registered = [...registeredRoutes(installed.app.twofold.app), ...beforeExpress].filter((route) => /^\S+ \/(api|gate)\/v1\//.test(route)).sort();
    const documented = [...new Set(ALL_ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path}`))].sort();
    assert.ok(registered.length >= 25, `found ${registered.length} routes: the walk sees the app's routers`);
    assert.deepEqual(
      registered.filter((route) => !documented.includes(route)),
      [],
      'registered routes without a description',
    );
    assert.deepEqual(
      documented.filter((route) => !registered.includes(route)),
      [],
      'descriptions without a registered route',
    );
    assert.equal(ALL_ROUTES.length, documented.length, 'each route is described once');
  });

  it('serves the check before Express: it answers a request without a gate key itself', async () => {
    const response = await installed.app.request('GET', '/gate/v1/check');
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('x-twofold-reason'), 'bad_gate_key');
  });

  it('is served without a token as OpenAPI 3.1, with request schemas from the validators', async () => {
    const response = await installed.app.request('GET', '/api/v1/openapi.json');
    assert.equal(response.status, 200);
    const document = response.json<{ openapi: string; paths: Record<string, Record<string, any>> }>();
    assert.equal(document.openapi, '3.1.0');
    const verify = document.paths['/api/v1/me/verify']!.post;
    const variants = verify.requestBody.content['application/json'].schema.anyOf as Array<{ required: string[]; additionalProperties: boolean }>;
    assert.deepEqual(
      variants.map((variant) => variant.required),
      [['code'], ['backupCode'], ['emailCode']],
    );
    assert.ok(variants.every((variant) => variant.additionalProperties === false));
    assert.match(verify.responses['429'].description, /locked_out/);
    const users = document.paths['/api/v1/admin/users/{accountId}']!.put;
    assert.deepEqual(
      users.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['path:accountId'],
    );
    assert.match(users.responses['403'].description, /not_admin/);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) assert.ok(operation.summary, `${method} ${path} has a summary`);
    }
  });
});
