import assert from 'node:assert/strict';
import { createLogger } from '../../../src/adapters/logging/logger';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { databaseLanes, printLaneNotice } from '../../support/database-lanes';
import { startInstalledApp, type InstalledApp } from '../../support/installed-app';
import { steppedClock } from '../../support/stepped-clock';
import { USERS, codeNow, enroll, errorCode, verify } from './support';

/**
 * A corrupt stored row is our failure, not the caller's: `500 internal_error` with the generic message
 * and no details, logged at error level with the request id. It used to be `400 invalid_request`, logged
 * at info, as if the user had typed something wrong.
 */
for (const lane of databaseLanes()) {
  describe(`a corrupt stored second factor (${lane.name})`, () => {
    let installed: InstalledApp<FixedClock>;
    const logs: Array<Record<string, unknown>> = [];

    before(async () => {
      printLaneNotice();
      const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
      installed = await startInstalledApp(lane, { clock: steppedClock(), overrides: { logger } });
    });
    after(() => installed?.stop());

    it('answers 500 internal_error, without details, and logs it at error level with the request id', async () => {
      const { app, clock } = installed;
      const bob = await enroll(app, clock, USERS.bob);
      await app.twofold.database.sequelize.query("UPDATE totp_credentials SET digits = 7 WHERE status = 'active'");
      logs.length = 0;

      const response = await verify(app, USERS.bob, { code: codeNow(bob, clock) });
      assert.equal(response.status, 500, response.text);
      assert.equal(errorCode(response), 'internal_error');
      assert.equal(response.json().error.details, undefined);

      const requestId = response.headers.get('x-request-id');
      assert.ok(requestId);
      const logged = logs.find((line) => line.level === 50);
      assert.ok(logged, 'logged at error level');
      assert.equal(logged.requestId, requestId);
      assert.equal((logged.err as { type?: string } | undefined)?.type, 'InvariantError');
      assert.ok(!logs.some((line) => line.level === 30 && line.errorCode !== undefined), 'not logged as a refused request');
    });
  });
}
