import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

/** Infrastructure libs: they serve every domain and import none. */
const INFRA = ['config', 'common', 'database', 'queue'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    // Nest resolves constructor parameters from emitted type metadata: those imports must stay values.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // Boundaries (docs/architecture.md): no import cycles; another lib only through its index.
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
      // no-cycle follows imports into the TypeScript sources: they need the TypeScript parser.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^#libs/[^/]+/(?!index\\.js$)', message: "Import another lib through its index ('#libs/<lib>/index.js')." }],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './libs', from: './apps', message: 'A lib never imports an app.' },
            ...INFRA.map((lib) => ({
              target: `./libs/${lib}`,
              from: './libs',
              except: INFRA.map((other) => `./${other}`),
              message: `libs/${lib} is infrastructure: it imports no domain lib.`,
            })),
          ],
        },
      ],
    },
  },
  {
    // A lib's own files reach another lib only through '#libs/<lib>/index.js', never by a relative path.
    files: ['libs/*/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^#libs/[^/]+/(?!index\\.js$)', message: "Import another lib through its index ('#libs/<lib>/index.js')." },
            { regex: '^\\.\\./', message: "Import another lib through its index ('#libs/<lib>/index.js')." },
          ],
        },
      ],
    },
  },
  {
    // Production code stays in small units; set-up-heavy tests and generated SQL are exempt.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/database/migrations/**'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }] },
  },
);
