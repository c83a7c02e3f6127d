import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

/**
 * Which modules each module may import (its own files always). This map is the module graph: it has
 * no cycle, so neither can the code. A module that needs something from one listed after it takes
 * it as an injected function from the composition root (src/app.ts), as users does for sessions.
 */
const MODULE_DEPENDENCIES = {
  reference: [],
  audit: [],
  health: [],
  users: ['reference', 'audit'],
  committees: ['users', 'reference', 'audit'],
  auth: ['users', 'committees', 'reference', 'audit'],
  applications: ['users', 'committees', 'reference', 'audit'],
  registration: ['applications', 'auth', 'users', 'reference', 'audit'],
  documents: ['applications', 'users', 'reference', 'audit'],
  // The engine is pure: code lists (ranks, specializations) only.
  matching: ['reference'],
  // Demo data (npm run seed:demo): staff, committees, links and cases through the modules' own code.
  demo: ['applications', 'registration', 'auth', 'committees', 'users', 'reference', 'audit'],
};

/**
 * Layers: the shell (src/http) and the access rules (src/access) import no module; src/db names
 * the modules' tables in its schema index only; composition roots (app, server, CLIs) wire
 * everything together.
 */
const layers = {
  files: ['src/**/*.ts'],
  plugins: { boundaries },
  settings: {
    'import/resolver': { typescript: { project: './tsconfig.json' } },
    'boundaries/elements': [
      { type: 'shell', pattern: 'src/http' },
      { type: 'access', pattern: 'src/access' },
      { type: 'db', pattern: 'src/db' },
      { type: 'module', pattern: 'src/modules/*', capture: ['name'] },
    ],
    // Files directly under src/ (app.ts, the composition root; server.ts; config.ts; secrets.ts) and
    // the command-line tools, composition roots of their own wherever they live.
    'boundaries/files': [{ category: 'root', pattern: ['src/*.ts', 'src/**/*.cli.ts'] }],
  },
  rules: {
    'boundaries/dependencies': [
      'error',
      {
        default: 'disallow',
        message: '{{from.type}} ({{from.path}}) must not import {{to.type}} ({{to.path}}): see the layer rules in eslint.config.js',
        policies: [
          // A composition root may import anything; anything may import the configuration.
          { from: { file: { categories: 'root' } }, allow: { to: { file: { path: 'src/**' } } } },
          { allow: { to: { file: { categories: 'root' } } } },
          { from: { element: { type: 'shell' } }, allow: { to: { element: { types: { anyOf: ['shell', 'access', 'db'] } } } } },
          { from: { element: { type: 'access' } }, allow: { to: { element: { types: { anyOf: ['access', 'db', 'shell'] } } } } },
          { from: { element: { type: 'db' } }, allow: { to: { element: { type: 'db' } } } },
          { from: { element: { type: 'db' } }, allow: { to: { element: { type: 'module' }, file: { path: '**/*.table.ts' } } } },
          { from: { element: { type: 'module' } }, allow: { to: { element: { types: { anyOf: ['shell', 'access', 'db'] } } } } },
          ...Object.entries(MODULE_DEPENDENCIES).map(([name, deps]) => ({
            from: { element: { type: 'module', captured: { name } } },
            allow: { to: { element: { type: 'module', captured: { name: [name, ...deps] } } } },
          })),
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'migrations/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
      // fastify handlers and plugins are async by convention, with or without an await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  layers,
  {
    files: ['src/server.ts', 'src/**/*.cli.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
