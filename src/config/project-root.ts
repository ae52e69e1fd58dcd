import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The project folder: the nearest folder above this file that holds atlassian-connect.json. Files read
 * at run time (the descriptor, config.json, package.json, views/, public/, the sandbox's pages) live
 * there, whether the code runs from src/ (tsx) or compiled from dist/src/ (`npm start`), which holds
 * JavaScript only.
 */
export function findProjectRoot(start: string): string {
  for (let folder = resolve(start); ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'atlassian-connect.json')) && existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`No project folder (with atlassian-connect.json) above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
