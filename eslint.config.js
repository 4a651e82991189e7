import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * The layers (README "Architecture"), as an allow-list in the manner of VS Code's
 * `code-import-patterns`: each folder names the folders it may import from; importing from
 * anywhere else is an error. Lower layers never see higher ones: shared/ → engine → client /
 * service → server / cli → app / preload (Electron); the renderer sees only shared/. Sources other
 * than a folder (src-main/source: a Chroma server through the chromadb client) sit beside the
 * engine: the engine never sees them; the hosts (server, cli, app) may.
 */
const LAYERS = [
  { dir: 'shared', may: [], node: false },
  { dir: 'src-main/engine', may: ['shared'] },
  { dir: 'src-main/client', may: ['src-main/engine', 'shared'] },
  { dir: 'src-main/service', may: ['src-main/source', 'src-main/engine', 'shared'] },
  { dir: 'src-main/source', may: ['src-main/engine', 'shared'] },
  { dir: 'src-main/server', may: ['src-main/source', 'src-main/service', 'src-main/client', 'src-main/engine', 'shared'] },
  // `serve` is one of the CLI's commands.
  { dir: 'src-main/cli', may: ['src-main/source', 'src-main/server', 'src-main/service', 'src-main/client', 'src-main/engine', 'shared'] },
  // preload-api.ts is the typed surface both sides of the preload agree on.
  { dir: 'src-main/app', may: ['src-main/preload', 'src-main/source', 'src-main/server', 'src-main/service', 'src-main/client', 'src-main/engine', 'shared'], electron: true },
  { dir: 'src-main/preload', may: ['shared'], electron: true },
  { dir: 'src-renderer', may: ['shared'], node: false },
];

/** Files nested deeper than this below a layer's folder are refused outright (the patterns below count `../`). */
const MAX_DEPTH = 6;
const SOURCE = '*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}';

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const nodeBuiltins = [...new Set(builtinModules.filter((m) => !m.startsWith('node:')).map((m) => m.split('/')[0]))];
const NODE_BUILTIN = `^(?:node:|(?:${nodeBuiltins.map(escape).join('|')})(?:/|$))`;
const ELECTRON = '^electron(?:/|$)';

/** ESLint's selector parser ends a regex at the first `/`, escaped or not. */
const selectorRegex = (regex) => `/${regex.replaceAll('/', '\\x2F')}/`;

/**
 * One check: an import whose source matches `regex` is an error. no-restricted-imports sees
 * `import` and `export … from`; no-restricted-syntax adds `import()`.
 */
const importCheck = (regex, message) => ({ regex, message });

/**
 * The checks for a file `depth` folders below `dir`: a relative import that climbs out of `dir`
 * (more than `depth` `../`) must land in one of the allowed folders.
 */
function layerChecks(layer, depth) {
  const parent = posix.dirname(layer.dir);
  const allowed = layer.may.map((target) => escape(posix.relative(parent, target)));
  const climbOut = `^(?:\\.\\./){${depth + 1}}`;
  const lookahead = allowed.length ? `(?!(?:${allowed.join('|')})(?:/|$))` : '';
  const allowedText = layer.may.length ? `${layer.may.map((t) => `${t}/`).join(', ')} and itself` : 'only itself';
  const checks = [importCheck(`${climbOut}${lookahead}`, `${layer.dir}/ may import from ${allowedText} (README "Architecture": the layers).`)];
  if (layer.node === false) {
    checks.push(importCheck(NODE_BUILTIN, `${layer.dir}/ runs without Node: no Node built-ins.`));
  }
  if (!layer.electron) {
    checks.push(importCheck(ELECTRON, 'Only src-main/app and src-main/preload may import electron.'));
  }
  return checks;
}

function restrictImports(checks) {
  return {
    'no-restricted-imports': ['error', { patterns: checks.map(({ regex, message }) => ({ regex, message, caseSensitive: true })) }],
    'no-restricted-syntax': [
      'error',
      ...checks.map(({ regex, message }) => ({ selector: `ImportExpression[source.value=${selectorRegex(regex)}]`, message })),
    ],
  };
}

function layerConfigs() {
  const configs = [];
  for (const layer of LAYERS) {
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      configs.push({ files: [`${layer.dir}/${'*/'.repeat(depth)}${SOURCE}`], rules: restrictImports(layerChecks(layer, depth)) });
    }
    configs.push({
      files: [`${layer.dir}/${'*/'.repeat(MAX_DEPTH)}**/${SOURCE}`],
      rules: { 'no-restricted-syntax': ['error', { selector: 'Program', message: `Nested too deep for the layer rules of ${layer.dir}/ (eslint.config.js MAX_DEPTH).` }] },
    });
  }
  // The library's entry point: the read engine and the embedded client, nothing of the hosts.
  configs.push({
    files: [`src-main/${SOURCE}`],
    rules: restrictImports([
      importCheck('^\\./(?!(?:engine|client)/)', 'The library (src-main/index.ts) exports only the engine and the embedded client.'),
      importCheck('^\\.\\./(?!shared/)', 'The library (src-main/index.ts) may import from src-main/engine, src-main/client and shared/ only.'),
      importCheck(ELECTRON, 'Only src-main/app and src-main/preload may import electron.'),
    ]),
  });
  return configs;
}

export default tseslint.config(
  { ignores: ['dist/**', 'dist-renderer/**', 'out/**', 'node_modules/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Outside the layers too (tests, scripts): no electron outside the Electron host.
      'no-restricted-imports': ['error', { patterns: [{ regex: ELECTRON, caseSensitive: true, message: 'Only src-main/app and src-main/preload may import electron.' }] }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'warn' },
  },
  ...layerConfigs(),
  {
    files: ['test/unit/electron/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
