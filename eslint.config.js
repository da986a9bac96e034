// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * DESIGN.md "Layout": what each folder may import. Parts talk through the fleet repo and the
 * control database, so a forbidden import is a design error, not a style nit.
 * @param {string} folder
 * @param {string[]} forbidden
 */
const layoutPatterns = (folder, forbidden) =>
  forbidden.map((f) => ({
    group: [`**/${f}/*`, `**/${f}`],
    message: `DESIGN.md Layout: ${folder}/ must not import ${f}/.`,
  }));
const LAYOUT = {
  fleet: ['bot', 'billing', 'reconciler', 'modules', 'app', 'cli'],
  reconciler: ['bot', 'billing', 'app', 'cli'],
  billing: ['bot', 'reconciler', 'modules', 'app', 'cli'],
  modules: ['bot', 'billing', 'reconciler', 'app', 'cli'],
  bot: ['reconciler', 'app', 'cli'],
};
/** @param {keyof typeof LAYOUT} folder */
const layout = (folder) => ({
  files: [`${folder}/**/*.ts`],
  ignores: [`${folder}/**/*.test.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns: layoutPatterns(folder, LAYOUT[folder]) }] },
});

/** Pure cores import no I/O library (DESIGN.md Layout). */
const IO_LIBRARIES = ['pg', 'postgres', 'execa', 'simple-git', '@octokit/*', 'grammy', 'stripe', '@digitalocean/dots', 'node:fs', 'node:child_process', 'node:net', 'node:http'];
/** @param {keyof typeof LAYOUT} folder @param {string[]} globs */
const pure = (folder, globs) => ({
  files: globs,
  ignores: ['**/*.test.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...layoutPatterns(folder, LAYOUT[folder]),
          ...IO_LIBRARIES.map((p) => ({ group: [p], message: 'Pure code does no I/O (DESIGN.md Layout).' })),
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.buckfleet/**', 'bin/**', 'bench/.build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  ...Object.keys(LAYOUT).map((f) => layout(/** @type {keyof typeof LAYOUT} */ (f))),
  pure('fleet', ['fleet/schema/**/*.ts', 'fleet/changes/**/*.ts', 'fleet/load/**/*.ts', 'fleet/{requires,paths,serialize,edits,policy,model,log}.ts']),
);
