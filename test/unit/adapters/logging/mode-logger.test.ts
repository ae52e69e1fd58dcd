import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createModeLogger } from '../../../../src/adapters/logging/logger';

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('createModeLogger', () => {
  it('development: readable lines (pino-pretty), not JSON, with secrets still redacted', async () => {
    const out = collector();
    createModeLogger('development', 'info', out.stream).info({ clientKey: 'site-1', sharedSecret: 'hunter2-secret' }, 'tenant installed');
    await settle();
    const text = out.text();
    assert.match(text, /INFO/);
    assert.match(text, /tenant installed/);
    assert.match(text, /site-1/);
    assert.throws(() => JSON.parse(text.trim()));
    assert.doesNotMatch(text, /hunter2-secret/);
    assert.match(text, /\[REDACTED\]/);
  });

  for (const mode of ['production', 'test'] as const) {
    it(`${mode}: JSON lines, with secrets redacted`, async () => {
      const out = collector();
      createModeLogger(mode, 'info', out.stream).info({ clientKey: 'site-1', sharedSecret: 'hunter2-secret' }, 'tenant installed');
      await settle();
      const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
      assert.equal(line.msg, 'tenant installed');
      assert.equal(line.level, 30);
      assert.equal(line.sharedSecret, '[REDACTED]');
    });
  }
});
