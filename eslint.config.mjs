import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'fixtures/**',
      'coverage/**',
      'adapters/native/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Type-aware rules that matter in a daemon full of callbacks and closed unions: a promise
    // nobody awaits loses its error, and a switch over a union must name every member (or
    // decide what the rest do in a default branch).
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },
  {
    // A function a reader can hold in their head. Tests are exempt: a describe block is a list.
    files: ['src/**/*.ts', 'adapters/**/*.ts', 'commands/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Plain CommonJS launchers, scripts and benchmarks.
    files: ['**/*.js', 'bin/*'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
