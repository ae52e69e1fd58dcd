import assert from 'node:assert/strict';
import { checkLane, LaneMissingError, lanesRequired } from '../../support/lanes';

describe('Test lanes helper', () => {
  it('REQUIRE_LANES=1, and only that, requires every lane', () => {
    assert.equal(lanesRequired({ REQUIRE_LANES: '1' }), true);
    for (const value of [undefined, '', '0', 'true']) assert.equal(lanesRequired({ REQUIRE_LANES: value }), false, String(value));
  });

  it('a missing lane throws under REQUIRE_LANES instead of skipping', () => {
    assert.throws(
      () => checkLane('nginx', 'skipped', { available: false, required: true }),
      (error: unknown) => error instanceof LaneMissingError && error.lane === 'nginx',
    );
  });

  it('a missing lane, not required, is skipped (false); a present one runs (true), required or not', () => {
    const printed: string[] = [];
    const print = (line: string) => printed.push(line);
    assert.equal(checkLane('zbarimg', 'the QR check is skipped', { available: false, required: false, print }), false);
    assert.equal(printed.length, 1);
    assert.match(printed[0]!, /zbarimg.*the QR check is skipped/);
    assert.equal(checkLane('zbarimg', 'unused', { available: true, required: true }), true);
  });
});
