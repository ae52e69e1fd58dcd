import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The layering DESIGN.md asks for, kept by a test rather than by review: routes/ (the HTTP edge)
 * import no adapter, src/domain stays free of frameworks and I/O libraries, and only the
 * composition root (src/app.ts and src/compose/) builds routers.
 */

const ROOT = resolve(__dirname, '..', '..');

/** Packages that bring I/O or a framework with them; the domain reaches them only through its ports. */
const FRAMEWORK_PACKAGES = ['express', 'sequelize', 'atlassian-connect-express', 'axios', 'node-forge', 'pg'];

interface ImportSite {
  file: string;
  specifier: string;
}

/** Every module specifier a TypeScript file names: `import … from`, `export … from`, `import()`, `require()`, bare `import '…'`. */
export function specifiersOf(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  const found = new Set<string>();
  for (const pattern of patterns) for (const match of withoutComments.matchAll(pattern)) found.add(match[1]!);
  return [...found];
}

/** A relative specifier as a path from the repository root (`src/adapters/…`), a package name as itself. */
function target(site: ImportSite): string {
  if (!site.specifier.startsWith('.')) return site.specifier;
  return relative(ROOT, resolve(dirname(join(ROOT, site.file)), site.specifier))
    .split(sep)
    .join('/');
}

function isPackage(specifier: string, name: string): boolean {
  return specifier === name || specifier.startsWith(`${name}/`);
}

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

function tsFilesUnder(folder: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  walk(folder);
  return files;
}

function importSites(folder: string): ImportSite[] {
  return tsFilesUnder(folder).flatMap((file) => specifiersOf(readFileSync(join(ROOT, file), 'utf8')).map((specifier) => ({ file, specifier })));
}

/** The import sites of `folder` that break a rule, as `file → target` lines (empty when the rule holds). */
function violations(sites: ImportSite[], forbidden: (target: string) => boolean): string[] {
  return sites.filter((site) => forbidden(target(site))).map((site) => `${site.file} → ${site.specifier}`);
}

describe('architecture: what each layer may import', () => {
  describe('the import scanner', () => {
    it('finds every form of import, and none in comments', () => {
      const source = [
        "import express, { type Router } from 'express';",
        "import type {\n  Foo,\n  Bar,\n} from '../src/adapters/connect/authenticate';",
        "export { x } from './re-export';",
        "import 'side-effect';",
        "const lazy = await import('node-forge');",
        "const old = require('axios');",
        "// import { no } from 'commented-out';",
        "/* import { no } from 'block-comment'; */",
      ].join('\n');
      assert.deepEqual(specifiersOf(source).sort(), ['../src/adapters/connect/authenticate', './re-export', 'axios', 'express', 'node-forge', 'side-effect']);
    });

    it('resolves relative imports against the importing file and reports a breaking one', () => {
      const sites = [
        { file: 'routes/me.ts', specifier: '../src/adapters/http/async-route' },
        { file: 'routes/me.ts', specifier: '../src/http/async-route' },
      ];
      assert.deepEqual(
        violations(sites, (path) => isUnder(path, 'src/adapters')),
        ['routes/me.ts → ../src/adapters/http/async-route'],
      );
    });

    it('scans real files (a scan that finds nothing proves nothing)', () => {
      assert.ok(importSites('routes').some((site) => site.specifier === 'express'));
      assert.ok(importSites('src/domain').length > 50);
    });
  });

  it('routes/ import no adapter: authentication and other adapters arrive from the composition root', () => {
    assert.deepEqual(
      violations(importSites('routes'), (path) => isUnder(path, 'src/adapters')),
      [],
    );
  });

  it('routes/ do not import the composition root (it imports them)', () => {
    assert.deepEqual(
      violations(importSites('routes'), (path) => isUnder(path, 'src/compose') || path === 'src/app'),
      [],
    );
  });

  it('only src/app.ts and src/compose/ build routers from routes/', () => {
    const sites = [...importSites('src'), ...importSites('bench')].filter((site) => site.file !== 'src/app.ts' && !isUnder(site.file, 'src/compose'));
    assert.deepEqual(
      violations(sites, (path) => isUnder(path, 'routes')),
      [],
    );
  });

  it('src/domain imports no framework or I/O library', () => {
    const forbidden = (path: string) => FRAMEWORK_PACKAGES.some((name) => isPackage(path, name));
    assert.deepEqual(violations(importSites('src/domain'), forbidden), []);
  });

  it('src/domain imports nothing from the outer layers', () => {
    const outer = ['src/adapters', 'src/http', 'src/compose', 'src/app', 'src/config', 'src/sandbox', 'routes'];
    assert.deepEqual(
      violations(importSites('src/domain'), (path) => outer.some((folder) => isUnder(path, folder))),
      [],
    );
  });

  it('src/http (the edge’s Express helpers) imports no adapter', () => {
    assert.deepEqual(
      violations(importSites('src/http'), (path) => isUnder(path, 'src/adapters')),
      [],
    );
  });
});
