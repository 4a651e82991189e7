import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { repoRoot } from '../helpers/paths.js';

// The README's "Embedded Chroma for Node" example, run as written (import and path pointed here).
it('the README example runs and leaves the folder it describes', async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Embedded Chroma for Node'));
  const code = /```js\n([\s\S]*?)```/.exec(section)![1]!;
  const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-readme-'));
  const folder = join(dir, 'chroma');
  const script = code
    .replace("from 'chroma-inspector'", `from ${JSON.stringify(pathToFileURL(join(repoRoot, 'src-main', 'index.ts')).href)}`)
    .replace("'./chroma'", JSON.stringify(folder));
  const file = join(dir, 'example.mjs');
  writeFileSync(file, `${script}\nexport const done = true;\n`);
  expect((await import(/* @vite-ignore */ pathToFileURL(file).href)).done).toBe(true);
  const f = ChromaFolder.open(folder);
  try {
    expect(f.get({ name: 'notes' }, { include: ['metadatas', 'documents'] })).toMatchObject({ ids: ['a'], documents: ['apples'], metadatas: [{ n: 3 }] });
  } finally {
    f.close();
  }
});
