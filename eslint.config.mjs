// ESLint for lockstep: typescript-eslint's type-checked recommended rules (floating and
// misused promises are errors), plus a guard that keeps workflow code sandbox-safe.
// Formatting is Prettier's job (`make format`); eslint-config-prettier comes last.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import { existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

/**
 * Workflow code and every file it imports. These run in Temporal's deterministic workflow
 * sandbox: no Node built-ins, no zod, no process, no real timers. When workflow code
 * value-imports a new file, add that file here (it then gets the same guard). A directory
 * ends with '/'. `import type` from anywhere stays legal: it is erased at compile time.
 */
const workflowSandboxFiles = [
  'src/workflows/',
  'src/contract/core.ts',
  'src/contract/door.ts',
  'src/contract/reservation-core.ts',
  'src/contract/search-attributes.ts',
  'src/contract/timing-budget.ts',
  'src/contract/alerts-core.ts',
  'src/contract/scheduled-action.ts',
  'src/contract/metrics.ts',
  'src/decisions/',
  'src/dev/bench-baseline/workflows.ts',
];

const root = dirname(fileURLToPath(import.meta.url));
const inSandbox = (file) => {
  const rel = relative(root, file).split(sep).join('/');
  return workflowSandboxFiles.some((entry) => (entry.endsWith('/') ? rel.startsWith(entry) : rel === entry));
};

const sandboxMessage = 'workflow code runs in the Temporal sandbox (see workflowSandboxFiles in eslint.config.mjs)';

/** A value import of a relative module that is not in workflowSandboxFiles is an error. */
const sandboxImportsRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: { outside: `'{{source}}' ({{file}}) is not in workflowSandboxFiles; ${sandboxMessage}` },
  },
  create(context) {
    const check = (node, typeOnly) => {
      const source = node.source?.type === 'Literal' ? node.source.value : undefined;
      if (typeOnly || typeof source !== 'string' || !source.startsWith('.')) return;
      const base = join(dirname(context.filename), source);
      const file = [`${base}.ts`, join(base, 'index.ts'), base].find((f) => /\.[cm]?[jt]s$/.test(f) && existsSync(f));
      if (file && inSandbox(file)) return;
      context.report({
        node: node.source,
        messageId: 'outside',
        data: { source, file: file ? relative(root, file) : 'unresolved' },
      });
    };
    const allTypes = (node) =>
      node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
    return {
      ImportDeclaration: (node) => check(node, node.importKind === 'type' || allTypes(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.exportKind === 'type' || allTypes(node)),
      ExportAllDeclaration: (node) => check(node, node.exportKind === 'type'),
    };
  },
};

// Packages that need Node (or pull in zod); @temporalio/workflow and @temporalio/common are fine.
const nodeOnlyModules = [
  'zod',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  'seam',
  'protobufjs',
];

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', '.tools/', '.data/', 'coverage/']),

  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // `const { namespace: _ns, ...rest } = meta` drops keys on purpose (src/ops/logging.ts).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, expect.stringContaining) are typed `any`, and
    // activities are passed to MockActivityEnvironment.run unbound, as the worker does.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },

  {
    files: workflowSandboxFiles.map((entry) => (entry.endsWith('/') ? `${entry}**/*.ts` : entry)),
    plugins: { lockstep: { rules: { 'sandbox-imports': sandboxImportsRule } } },
    rules: {
      'lockstep/sandbox-imports': 'error',
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...nodeOnlyModules].map((name) => ({
            name,
            allowTypeImports: true,
            message: sandboxMessage,
          })),
          patterns: [
            { group: ['node:*'], allowTypeImports: true, message: sandboxMessage },
            { group: nodeOnlyModules.map((name) => `${name}/*`), allowTypeImports: true, message: sandboxMessage },
            { group: ['@seamapi/*'], allowTypeImports: true, message: sandboxMessage },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: `no dynamic import(): ${sandboxMessage}` },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'require', 'module', 'exports', '__dirname', '__filename', 'Buffer', 'global', 'fetch'].map(
          (name) => ({ name, message: sandboxMessage }),
        ),
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'].map(
          (name) => ({
            name,
            message: `${sandboxMessage}: use sleep() or condition() from @temporalio/workflow`,
          }),
        ),
      ],
    },
  },

  {
    // Import arrows point one way: entry points (worker, client, cli) -> domain (workflows,
    // activities, decisions) -> contract. Operations (src/ops) and development (src/dev) are
    // for entry points; domain code never imports them, nor an entry point.
    files: ['src/workflows/**/*.ts', 'src/activities/**/*.ts', 'src/decisions/**/*.ts', 'src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/ops', '**/ops/*', '**/dev', '**/dev/*', '**/cli', '**/cli/*'].concat(
                ['..', '../..'].flatMap((up) => [`${up}/worker`, `${up}/client`]),
              ),
              message:
                'domain code (workflows, activities, decisions, contract) never imports operations, development tooling, the CLI or an entry point',
            },
          ],
        },
      ],
    },
  },

  prettier,
]);
