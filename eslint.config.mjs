// ESLint for the repository's TypeScript and JavaScript: the root flat config `nx g @nx/eslint:lint-project` writes
// (Nx's base, TypeScript and JavaScript configs: eslint:recommended and typescript-eslint's recommended with Nx's
// adjustments, eslint-config-prettier last since Prettier owns the layout). `npm run lint` runs it (tools/lint.sh).
import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/node_modules',
      'coverage',
      'tmp',
      '.vitest',
      // the managed toolchain, the zoo's npm install and model outputs: installed or generated, not ours
      '.tf2aif',
      // the toolchain the plugin's build stages into the package
      'plugins/nx/toolchain',
      'plugins/nx/.toolchain-*',
      // generator templates: EJS, not valid TypeScript or JavaScript until rendered
      'plugins/nx/src/generators/**/files/**',
    ],
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    rules: {
      // `const { omitted: _, ...rest } = o` drops a key on purpose; a leading _ marks a parameter kept for its position
      '@typescript-eslint/no-unused-vars': ['warn', { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // `() => {}` is this code's no-op callback (a silent log, nothing to undo); empty functions and methods stay errors
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
      // strict null checks hold everywhere; a `!` marks a lookup the code has just established (a Map filled from the
      // same keys, a find over a list that was built to contain it), which the rule cannot see: a style choice, off
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Prettier cannot break a long string, template or regex literal; Ruff's E501 holds the Python at 150 the same way
      'max-len': ['error', { code: 150, ignoreUrls: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      // typescript-eslint's recommended setting (Nx turns it off): the TypeScript sources import, and mark the few
      // deliberate require()s with an eslint-disable comment; the CommonJS .js scripts keep require() (flat/javascript)
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
];
