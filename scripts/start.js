#!/usr/bin/env node
// Runs compiled JavaScript from dist/ (what production runs), building it first when dist/ is missing
// or older than the sources, so that `npm install && npm start` works on a fresh clone.
// Usage: node scripts/start.js [entry], entry relative to the project folder without .js
// (default src/server); e.g. `node scripts/start.js src/cli/rotate-master-key`.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
/** Written after each successful build: its mtime is when dist/ was last built. */
const STAMP = join(DIST, '.built');
const SOURCES = ['src', 'routes', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

/** The newest mtime under `path` (a file or a folder), in ms; 0 when it does not exist. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its folder's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIfStale() {
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((source) => newestMtime(join(ROOT, source))));
  if (built >= sources) return;
  process.stderr.write(built === 0 ? 'dist/ is missing: building (npm run build)\n' : 'dist/ is older than the sources: building (npm run build)\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('The build failed; nothing started.\n');
    process.exit(result.status ?? 1);
  }
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

buildIfStale();
// ACE reads atlassian-connect.json from the working folder.
process.chdir(ROOT);
// The entry is taken out of argv, so that a command line tool sees its own arguments at argv[2].
const entry = process.argv.length > 2 ? process.argv.splice(2, 1)[0] : 'src/server';
require(join(DIST, `${entry}.js`));
