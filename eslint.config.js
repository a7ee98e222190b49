// ESLint for the whole repository: JavaScript's and typescript-eslint's recommended rules, nothing stylistic
// (Prettier owns layout). Type-aware rules are left out: they would type-check the repo a second time per run.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Node's globals that the few plain JavaScript files use (TypeScript files are checked by tsc instead). */
const NODE_GLOBALS = { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' };

export default defineConfig(
  {
    ignores: ['**/node_modules/', '**/dist/', 'cdktf.out/', 'bench-results/', '.fedgate/', 'bench/results/', 'packages/broker-config/test/golden/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: NODE_GLOBALS },
    rules: {
      // A leading underscore marks a binding kept on purpose (a destructured field dropped, an unused parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // A function that needs more than a screen does several jobs: split it (tests' describe blocks aside).
    files: ['**/src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The pages fedgate serves run in a browser.
    files: ['packages/web/example-app/**/*.js', 'packages/web/static/**/*.js'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        FormData: 'readonly',
        EventSource: 'readonly',
        TextDecoder: 'readonly',
        URL: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // Mocha loads its reporter with require(); this one file is CommonJS.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...NODE_GLOBALS, require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
