import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MASTER_KEY_BYTES } from './master-key';

export const DEVELOPMENT_CREDENTIALS_DIR = 'credentials';

/**
 * Outside production the master key lives in credentials/master.key (git-ignored), generated on the
 * first start so that `npm start` works on a fresh clone; keys being rotated out stay in
 * credentials/previous-master.keys. Production passes TWOFOLD_MASTER_KEY instead.
 */
export function readOrCreateDevelopmentMasterKeys(dir = DEVELOPMENT_CREDENTIALS_DIR): { current: string; previous: string[] } {
  const currentFile = join(dir, 'master.key');
  if (!existsSync(currentFile)) writeDevelopmentMasterKey(currentFile, randomBytes(MASTER_KEY_BYTES).toString('base64'));
  return { current: readFileSync(currentFile, 'utf8').trim(), previous: readPreviousKeys(dir) };
}

/** Makes `fresh` the current key and keeps the old one as previous until rotation has re-sealed. */
export function replaceDevelopmentMasterKey(fresh: string, dir = DEVELOPMENT_CREDENTIALS_DIR): void {
  const { current, previous } = readOrCreateDevelopmentMasterKeys(dir);
  writeFileSync(join(dir, 'previous-master.keys'), [current, ...previous].join('\n') + '\n', { mode: 0o600 });
  writeFileSync(join(dir, 'master.key'), `${fresh}\n`, { mode: 0o600 });
}

/** Once everything is re-sealed under the current key, the previous keys are not needed. */
export function forgetPreviousDevelopmentMasterKeys(dir = DEVELOPMENT_CREDENTIALS_DIR): void {
  const file = join(dir, 'previous-master.keys');
  if (existsSync(file)) writeFileSync(file, '', { mode: 0o600 });
}

function readPreviousKeys(dir: string): string[] {
  const file = join(dir, 'previous-master.keys');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

function writeDevelopmentMasterKey(file: string, key: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
}
