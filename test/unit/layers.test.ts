import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rules of eslint.config.js, proved to bite: small snippets linted at virtual paths
// (the files need not exist) with the project's own config.
const root = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: root, overrideConfigFile: 'eslint.config.js' });
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

/** The layer-rule messages for `code` as if it were the file at `filePath`. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

const refused: [string, string, string, RegExp][] = [
  ['engine → client', 'src-main/engine/x.ts', "import '../client/persistent-client.js';", /src-main\/engine\/ may import from shared\//],
  ['engine (nested) → client', 'src-main/engine/backup/x.ts', "import { PersistentClient } from '../../client/persistent-client.js';\nexport { PersistentClient };", /src-main\/engine\//],
  ['engine → client, type only', 'src-main/engine/backup/x.ts', "import type { Collection } from '../../client/collection.js';\nexport type { Collection };", /src-main\/engine\//],
  ['engine → service', 'src-main/engine/x.ts', "import '../service/engine-service.js';", /src-main\/engine\//],
  ['engine re-exports service', 'src-main/engine/query/x.ts', "export * from '../../service/dispatcher.js';", /src-main\/engine\//],
  ['engine → client, dynamic import', 'src-main/engine/x.ts', "export const load = () => import('../client/persistent-client.js');", /src-main\/engine\//],
  ['engine → cli', 'src-main/engine/x.ts', "import '../cli/main.js';", /src-main\/engine\//],
  ['engine → electron', 'src-main/engine/x.ts', "import { app } from 'electron';\nexport { app };", /Only src-main\/app and src-main\/preload may import electron/],
  ['engine → renderer', 'src-main/engine/x.ts', "import '../../src-renderer/main.js';", /src-main\/engine\//],
  ['client → service', 'src-main/client/x.ts', "import '../service/engine-service.js';", /src-main\/client\//],
  ['service → client', 'src-main/service/x.ts', "import '../client/persistent-client.js';", /src-main\/service\//],
  ['engine → source', 'src-main/engine/x.ts', "import '../source/server/server-source.js';", /src-main\/engine\//],
  ['engine (nested) → source, dynamic import', 'src-main/engine/query/x.ts', "export const load = () => import('../../source/server/server-source.js');", /src-main\/engine\//],
  ['source → service', 'src-main/source/server/x.ts', "import '../../service/engine-service.js';", /src-main\/source\/ may import from src-main\/engine\/, shared\//],
  ['source → cli', 'src-main/source/server/x.ts', "import '../../cli/main.js';", /src-main\/source\//],
  ['source → electron', 'src-main/source/server/x.ts', "import 'electron';", /electron/],
  ['library → source', 'src-main/index.ts', "export * from './source/server/server-source.js';", /library/],
  ['server → cli', 'src-main/server/x.ts', "import '../cli/main.js';", /src-main\/server\//],
  ['server → electron', 'src-main/server/x.ts', "import 'electron';", /electron/],
  ['renderer → node:fs', 'src-renderer/features/x/y.tsx', "import { readFileSync } from 'node:fs';\nexport { readFileSync };", /src-renderer\/ runs without Node/],
  ['renderer → fs', 'src-renderer/x.ts', "import 'fs';", /without Node/],
  ['renderer → path/posix', 'src-renderer/app/x.ts', "import 'path/posix';", /without Node/],
  ['renderer → engine', 'src-renderer/features/x.ts', "import '../../src-main/engine/chroma-folder.js';", /src-renderer\/ may import from shared\//],
  ['renderer (nested) → engine', 'src-renderer/features/x/y.tsx', "import '../../../src-main/engine/chroma-folder.js';", /src-renderer\//],
  ['renderer → electron', 'src-renderer/client/x.ts', "import 'electron';", /electron/],
  ['shared → node:fs', 'shared/x.ts', "import 'node:fs';", /shared\/ runs without Node/],
  ['shared → engine', 'shared/x.ts', "import '../src-main/engine/chroma-folder.js';", /shared\/ may import from only itself/],
  ['library → service', 'src-main/index.ts', "export * from './service/engine-service.js';", /library/],
];

const allowed: [string, string, string][] = [
  ['engine → shared', 'src-main/engine/x.ts', "import '../../shared/models.js';"],
  ['engine (nested) → shared', 'src-main/engine/backup/x.ts', "import '../../../shared/errors.js';"],
  ['engine → itself', 'src-main/engine/backup/x.ts', "import '../write/embedded-folder-lease.js';\nimport './task.js';"],
  ['engine → Node and packages', 'src-main/engine/x.ts', "import 'node:fs';\nimport 'path';\nimport 'better-sqlite3';"],
  ['client → engine, shared', 'src-main/client/x.ts', "import '../engine/write/embedded-folder.js';\nimport '../../shared/errors.js';"],
  ['service → engine, shared', 'src-main/service/x.ts', "import '../engine/chroma-folder.js';\nimport '../../shared/contract.js';"],
  ['server → service', 'src-main/server/x.ts', "import '../service/dispatcher.js';"],
  ['source → engine, shared, chromadb', 'src-main/source/server/x.ts', "import '../../engine/chroma-folder.js';\nimport '../../../shared/errors.js';\nimport './server-probe.js';\nexport const load = () => import('chromadb');"],
  ['cli → source', 'src-main/cli/commands/x.ts', "import '../../source/server/server-source.js';"],
  ['server → source', 'src-main/server/x.ts', "import '../source/server/server-endpoint.js';"],
  ['app → source', 'src-main/app/x.ts', "import '../source/server/server-endpoint.js';"],
  ['cli → server, engine, dynamically too', 'src-main/cli/commands/x.ts', "import '../../engine/backup/backup.js';\nexport const load = () => import('../../server/serve-command.js');"],
  ['app → electron, service, preload', 'src-main/app/x.ts', "import 'electron';\nimport '../service/engine-service.js';\nimport '../preload/preload-api.js';"],
  ['preload → electron', 'src-main/preload/x.ts', "import 'electron';"],
  ['renderer → shared, itself, packages', 'src-renderer/features/x/y.tsx', "import '../../../shared/models.js';\nimport '../../client/connect.js';\nimport 'react';"],
  ['shared → itself, zod', 'shared/x.ts', "import './models.js';\nimport 'zod';"],
  ['library → engine, client, shared', 'src-main/index.ts', "export * from './engine/chroma-folder.js';\nexport * from './client/collection.js';\nexport * from '../shared/errors.js';"],
  ['tests → anything but electron', 'test/engine/x.test.ts', "import '../../src-main/client/persistent-client.js';\nimport '../../src-renderer/main.js';"],
];

describe('layer rules (eslint.config.js)', () => {
  for (const [name, filePath, code, message] of refused) {
    it(`refuses ${name}`, async () => {
      const errors = await layerErrors(filePath, code);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.join('\n')).toMatch(message);
    });
  }

  for (const [name, filePath, code] of allowed) {
    it(`allows ${name}`, async () => {
      expect(await layerErrors(filePath, code)).toEqual([]);
    });
  }
});
