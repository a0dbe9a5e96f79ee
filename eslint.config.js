// ESLint for Kept: TypeScript's recommended rules, the rules of hooks, no import cycles, and the
// layer rules of docs/linting.md. `npm run lint` runs it; `npm run validate` runs everything.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.test.{ts,tsx}'];

// What a layer may not import, each with the reason ESLint prints.
const NO_TEST_OR_SCRIPT_CODE = {
  regex: '^#(test|scripts)/',
  message: 'Production code (app/, models/, emails/) must not depend on test helpers or scripts: move what both need into app/ or models/.',
};
const NO_PLATFORM_MODELS = {
  regex: '^#models/(claim|change|metric)(\\.ts)?$',
  message: 'Claims, the change feed and rollup storage belong to the platform layer: call a function of app/platform/ instead.',
};
const NO_MODELS = {
  regex: '^#models/',
  message: 'Routes and components reach the database through a *.server.ts service of their feature folder, never a model.',
};
const NO_DATABASE = [
  { regex: '^mongoose$', message: 'Pure modules (rules, math, types, labels, utils) take plain values so they run and test without a database.' },
  { regex: '^#models/', message: 'Pure modules (rules, math, types, labels, utils) take plain values so they run and test without a database.' },
  { regex: '^#app/platform/', message: 'Pure modules (rules, math, types, labels, utils) must not depend on the platform layer (database, claims, pools).' },
];
// One layer: its files (tests excepted) get the union of the groups it lists.
const layer = (files, groups, { ignores = [] } = {}) => ({
  files,
  ignores: [...TESTS, ...ignores],
  // Type-only imports are erased at build time, so they cannot pull a layer in at run time.
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: groups.flat().map((group) => ({ ...group, allowTypeImports: true })) }] },
});

// Rules, math, types and labels: plain values in, plain values out.
const PURE = ['app/**/*-rules.ts', 'app/**/*-rules.server.ts', 'app/**/*-math.ts', 'app/**/*-types.ts', 'app/**/*-labels.ts', 'app/utils/*.{ts,tsx}'];

export default defineConfig(
  { ignores: ['build/', 'public/build/', '.cache/', '.data/', '.tools/', 'test-results/', 'node_modules/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js}'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { 'import-x': importX, 'react-hooks': reactHooks },
    settings: {
      // no-cycle follows only the files whose extension and parser it knows.
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      // Kept matches control characters on purpose: it strips them from headers and redirects.
      'no-control-regex': 'off',
      // `_`-prefixed names mark a value that is unused on purpose (a destructured field left out).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },

  {
    // Seeds build raw documents of many shapes and tests read loose action answers: `any` there is
    // the honest type. Production code under app/ keeps the rule.
    files: ['scripts/seed/**/*.ts', '**/*.test.{ts,tsx}'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  {
    // Hooks live in components; a test helper named use*() is not one.
    files: ['app/**/*.{ts,tsx}', 'emails/**/*.tsx'],
    ignores: ['**/*.server.ts', ...TESTS],
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },

  // Layers, from the general to the specific: a later layer replaces the rule for the files it
  // matches, so each one repeats the groups it inherits. Tests and scripts/ are free.
  layer(['app/**'], [NO_TEST_OR_SCRIPT_CODE, NO_PLATFORM_MODELS]),
  layer(['models/**', 'emails/**', 'app/platform/**'], [NO_TEST_OR_SCRIPT_CODE]),
  layer(['app/routes/**', 'app/components/**'], [NO_TEST_OR_SCRIPT_CODE, NO_MODELS]),
  layer(PURE, [NO_TEST_OR_SCRIPT_CODE, NO_DATABASE], { ignores: ['app/utils/*.server.*'] }),
);
