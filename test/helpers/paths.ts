import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const referenceFixture = (name: string) => join(fixturesDir, 'reference', name);

/**
 * The real-world corpus: folders people committed to public repositories, most without a licence,
 * so never copied into this repository. The opt-in corpus suite (npm run test:corpus) reads them in
 * place from CHROMA_INSPECTOR_CORPUS, or from a `shared/fixtures/real-world` folder beside the clone.
 */
export const realWorldDir = resolve(process.env.CHROMA_INSPECTOR_CORPUS ?? join(repoRoot, '..', 'shared', 'fixtures', 'real-world'));
export const hasRealWorld = existsSync(join(realWorldDir, 'manifest.json'));

/** A corpus suite's name, which says why it was skipped when the corpus is absent. */
export function corpusSuite(name: string): string {
  return hasRealWorld
    ? `${name} [real-world corpus]`
    : `${name} [real-world corpus] SKIPPED: no corpus at ${realWorldDir} (it is not part of the repository; set CHROMA_INSPECTOR_CORPUS to its folder)`;
}
