import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The ground floor of app/src never imports a feature (posts/, seed/, a demo) or the app that wires them, so a
// feature can be swapped or deleted without touching it. Imports between ground-floor modules are fine.
const groundDirs = ['errors', 'http', 'db', 'health', 'metrics', 'listing'];
const groundFiles = ['config', 'logger', 'paths', 'product'];
const upwardImport = (prefix) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: [
            `${prefix}*`,
            ...[...groundDirs, ...groundFiles].map((name) => `!${prefix}${name}`),
            ...groundDirs.map((dir) => `!${prefix}${dir}/**`),
          ],
          message:
            'The ground floor (errors, http, db, health, metrics, listing, config, logger) never imports a feature or app.ts.',
        },
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'app/dist/', 'app/public/', 'test-results/', 'bench-results/', '.offline/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: groundDirs.map((dir) => `app/src/${dir}/**/*.ts`), rules: upwardImport('../') },
  { files: groundFiles.map((file) => `app/src/${file}.ts`), rules: upwardImport('./') },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
