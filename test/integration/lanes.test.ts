import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { LANE_NAMES, laneOrSkip } from '../support/lanes';

/**
 * Every optional lane says here whether it runs: skipped with a notice where it is missing, failed under
 * REQUIRE_LANES=1 (CI). nginx has no feature tests yet (the coming gate puts it in front of Jira Data
 * Center), so this is where its lane is checked: the binary runs and says its version.
 */
describe('Test lanes', () => {
  for (const lane of LANE_NAMES) {
    it(`the ${lane} lane is there`, function () {
      laneOrSkip(this, lane, `the ${lane} lane is skipped`);
    });
  }

  it('nginx runs and says its version', function () {
    laneOrSkip(this, 'nginx', 'the nginx check is skipped');
    const run = spawnSync('nginx', ['-v'], { encoding: 'utf8', timeout: 5000 });
    assert.equal(run.status, 0);
    // nginx -v prints to stderr.
    assert.match(`${run.stdout}${run.stderr}`, /nginx version: nginx\/\d+\.\d+/);
  });
});
