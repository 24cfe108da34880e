// Lint rules that guard the architecture, not just the syntax:
// the domain and the projection definitions are pure (no I/O, no clocks),
// and only the config module reads process.env.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const ioModules = [
  'node:*', 'fs', 'path', 'crypto', 'http', 'net', 'os', 'child_process',
  'fastify', 'fastify-*', '@fastify/*', 'better-sqlite3', 'pg', 'kafkajs', 'jszip', '@eventstore/*', 'pino'
]

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', '.tap/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error'
    }
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/cli/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env; pass settings through options.' }]
    }
  },
  {
    // Tests read JSON replies loosely; the assertions are the types there.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' }
  },
  {
    files: ['src/domain/**/*.ts', 'projections/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ioModules, message: 'The domain and projections are pure: no I/O imports. Do the I/O in src/ and pass values in.' }] }],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Pure code takes time as an argument (metadata or asOf), never Date.now().' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure code takes time as an argument, never new Date().' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Pure code is deterministic: take randomness as a seed.' }
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'setTimeout', 'setInterval', 'fetch']
    }
  }
)
