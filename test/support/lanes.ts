import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The optional lanes of the test run: parts that need something outside npm (a Postgres server,
 * Debian's chromium, nginx, oathtool, zbarimg). Where one is missing its tests are skipped with a
 * printed notice, so that `npm install && npm test` works anywhere. Under REQUIRE_LANES=1 (set by
 * .ci/run) a missing lane fails the run instead: CI must not pass with a lane silently skipped.
 */
export type LaneName = 'postgres' | 'chromium' | 'nginx' | 'oathtool' | 'zbarimg';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface LaneProbe {
  available(): boolean;
  /** What is missing and how to get it. */
  missing: string;
}

const PROBES: Record<LaneName, LaneProbe> = {
  postgres: { available: () => Boolean(process.env.TEST_DATABASE_URL), missing: 'TEST_DATABASE_URL is not set' },
  chromium: { available: () => existsSync(CHROMIUM_PATH), missing: `${CHROMIUM_PATH} not found (apt-get install chromium)` },
  nginx: { available: () => commandRuns('nginx', ['-v']), missing: 'nginx is not installed (apt-get install nginx)' },
  oathtool: { available: () => commandRuns('oathtool', ['--version']), missing: 'oathtool is not installed (apt-get install oathtool)' },
  zbarimg: { available: () => commandRuns('zbarimg', ['--version']), missing: 'zbarimg is not installed (apt-get install zbar-tools)' },
};

export const LANE_NAMES = Object.keys(PROBES) as LaneName[];

/** Thrown under REQUIRE_LANES=1 where a lane is missing. */
export class LaneMissingError extends Error {
  constructor(readonly lane: LaneName) {
    super(`REQUIRE_LANES=1 and the ${lane} lane is missing: ${PROBES[lane].missing}`);
    this.name = 'LaneMissingError';
  }
}

export function lanesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.REQUIRE_LANES === '1';
}

const known = new Map<LaneName, boolean>();
/** Whether the lane is there; probed once per run. */
export function laneAvailable(lane: LaneName): boolean {
  let available = known.get(lane);
  if (available === undefined) {
    available = PROBES[lane].available();
    known.set(lane, available);
  }
  return available;
}

const noticesPrinted = new Set<string>();
/**
 * True when the lane is there. Otherwise false after a notice that says what is skipped (printed once
 * per lane and wording), or, under REQUIRE_LANES=1, a LaneMissingError.
 */
export function checkLane(
  lane: LaneName,
  whatIsSkipped: string,
  options: { available?: boolean; required?: boolean; print?: (line: string) => void } = {},
): boolean {
  if (options.available ?? laneAvailable(lane)) return true;
  if (options.required ?? lanesRequired()) throw new LaneMissingError(lane);
  const notice = `  [notice] ${PROBES[lane].missing}: ${whatIsSkipped}\n`;
  if (!noticesPrinted.has(notice)) {
    noticesPrinted.add(notice);
    (options.print ?? ((line) => process.stdout.write(line)))(notice);
  }
  return false;
}

/** In a `before` hook or a test: returns where the lane is there, else skips (or fails, see checkLane). */
export function laneOrSkip(context: Mocha.Context, lane: LaneName, whatIsSkipped: string): void {
  if (!checkLane(lane, whatIsSkipped)) context.skip();
}

function commandRuns(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
