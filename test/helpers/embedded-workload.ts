import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './paths.js';

/** The reference workload and its tools, kept outside the repository. */
export const referenceChromaDir = join(repoRoot, '..', 'shared', 'reference-chroma');
export const hasReferenceWorkload = existsSync(join(referenceChromaDir, 'make-fixture.mjs'));

/**
 * Runs `../shared/reference-chroma/make-fixture.mjs` against PersistentClient, in this process and
 * on the TypeScript sources: the script's `chromadb` import is pointed at a copy of
 * `embedded-shim.mjs` whose `chroma-inspector` import is pointed at src-main/index.ts (the built
 * package is exercised by `.ci/run`). Returns the folder written and the cases it recorded.
 */
export async function runEmbeddedWorkload(seed = 7): Promise<{ folder: string; casesFile: string }> {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-workload-'));
  const folder = join(work, 'data');
  const casesFile = join(work, 'cases.json');
  const source = pathToFileURL(join(repoRoot, 'src-main', 'index.ts')).href;
  const shim = readFileSync(join(referenceChromaDir, 'embedded-shim.mjs'), 'utf8').replace('from "chroma-inspector";', `from ${JSON.stringify(source)};`);
  writeFileSync(join(work, 'embedded-shim.mjs'), shim);
  const script = readFileSync(join(referenceChromaDir, 'make-fixture.mjs'), 'utf8').replace('from "chromadb";', 'from "./embedded-shim.mjs";');
  writeFileSync(join(work, 'make-fixture.mjs'), script);
  copyFileSync(join(referenceChromaDir, 'compare-cases.mjs'), join(work, 'compare-cases.mjs'));
  const argv = process.argv;
  const env = process.env.CHROMA_INSPECTOR_PATH;
  process.argv = [argv[0]!, join(work, 'make-fixture.mjs'), '--seed', String(seed), '--out', casesFile];
  process.env.CHROMA_INSPECTOR_PATH = folder;
  try {
    await import(/* @vite-ignore */ pathToFileURL(join(work, 'make-fixture.mjs')).href);
  } finally {
    process.argv = argv;
    if (env === undefined) delete process.env.CHROMA_INSPECTOR_PATH;
    else process.env.CHROMA_INSPECTOR_PATH = env;
  }
  return { folder, casesFile };
}
