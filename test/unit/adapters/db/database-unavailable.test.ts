import assert from 'node:assert/strict';
import { ConnectionRefusedError, DatabaseError, UniqueConstraintError } from 'sequelize';
import { isDatabaseUnavailable } from '../../../../src/adapters/db/database-unavailable';

describe('isDatabaseUnavailable', () => {
  it('recognises an unreachable database however it is wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    assert.equal(isDatabaseUnavailable(new ConnectionRefusedError(refused)), true);
    assert.equal(isDatabaseUnavailable(refused), true);
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    assert.equal(isDatabaseUnavailable(new DatabaseError(shutdown as never)), true, 'Sequelize keeps the driver error as parent');
    assert.equal(isDatabaseUnavailable(new Error('outer', { cause: new Error('Connection terminated unexpectedly') })), true);
  });

  it('does not take a wrong statement or a conflict for an outage', () => {
    assert.equal(isDatabaseUnavailable(new UniqueConstraintError({})), false);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' })), false);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('SQLITE_BUSY: database is locked'), { code: 'SQLITE_BUSY' })), false);
    assert.equal(isDatabaseUnavailable(null), false);
    const loop: { cause?: unknown } = {};
    loop.cause = loop;
    assert.equal(isDatabaseUnavailable(loop), false, 'a cause cycle ends');
  });
});
