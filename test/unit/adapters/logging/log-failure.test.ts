import assert from 'node:assert/strict';
import { logFailure } from '../../../../src/adapters/logging/log-failure';
import { createLogger } from '../../../../src/adapters/logging/logger';
import { InvariantError, TwofoldError } from '../../../../src/domain/errors';
import { UnreachableError } from '../../../../src/domain/ports/http-transport';

/** One failure logged through logFailure: the JSON lines it wrote. */
function logged(error: unknown): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  logFailure(logger, error, 'could not read the user’s groups from Jira', { clientKey: 'jira-1' });
  return lines;
}

describe('logFailure', () => {
  it('logs Jira unreachable (a host call timing out) as a warning with code, reason and host, and no stack', () => {
    const [line, ...rest] = logged(new UnreachableError('timeout', 'acme.atlassian.net', 'The host did not answer within 5000 ms.', 'ETIMEDOUT'));
    assert.equal(rest.length, 0);
    assert.equal(line?.level, 40);
    assert.deepEqual([line?.errorCode, line?.reason, line?.host, line?.clientKey], ['unreachable', 'timeout', 'acme.atlassian.net', 'jira-1']);
    assert.equal(line?.err, undefined);
    assert.ok(!JSON.stringify(line).includes('stack'));
  });

  it('logs an upstream answer Jira gave (upstream_error) as a warning with its status', () => {
    const [line] = logged(new TwofoldError('upstream_error', 'Jira answered 503.', { details: { status: 503, path: '/rest/api/3/user/groups' } }));
    assert.equal(line?.level, 40);
    assert.deepEqual([line?.errorCode, line?.status, line?.path], ['upstream_error', 503, '/rest/api/3/user/groups']);
    assert.equal(line?.err, undefined);
  });

  it('keeps an unexpected error, or a bug, at error level with its stack', () => {
    for (const error of [new TypeError('cannot read properties of undefined'), new InvariantError('lastUsedStep must be a non-negative integer or null.')]) {
      const [line] = logged(error);
      assert.equal(line?.level, 50);
      assert.match(String((line?.err as { stack?: unknown } | undefined)?.stack), /log-failure\.test\.ts/);
    }
  });
});
