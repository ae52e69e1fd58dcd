// Type-aware ESLint for Twofold. Lives in tools/lint so that typescript-eslint loads the TypeScript 5
// installed here (it needs TypeScript's JS API; the project's own typescript@7 has none).
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', 'dist-bench/**', 'public/**', 'tools/**', 'test-output/**', 'data/**', 'credentials/**'] },
  { files: ['**/*.ts'], extends: [eslint.configs.recommended, ...tseslint.configs.recommendedTypeChecked] },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Async methods that implement a Promise-returning port (or ACE's store API) without awaiting are fine.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  { files: ['src/**/*.ts', 'routes/**/*.ts'], rules: { '@typescript-eslint/no-non-null-assertion': 'error' } },
  {
    // Tests read JSON answers (typed `any` by design) and write stand-ins for async ports that need no
    // await; the rules about unsafe `any` and `require-await` would flag every assertion on a body.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  // `_`-prefixed names are deliberately unused (Express's four-argument error handlers, destructuring to omit).
  {
    files: ['**/*.ts'],
    rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }] },
  },
);
