import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const referenceFixture = (name: string) => join(fixturesDir, 'reference', name);
/** Real-world folders live beside the repo (unlicensed: never copied in). */
export const realWorldDir = resolve(repoRoot, '..', 'shared', 'fixtures', 'real-world');
export const hasRealWorld = existsSync(join(realWorldDir, 'manifest.json'));
