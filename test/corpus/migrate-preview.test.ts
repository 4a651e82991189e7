import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { previewMigration } from '../../src-main/engine/migrate/preview-migration.js';
import { corpusSuite, hasRealWorld, realWorldDir, repoRoot } from '../helpers/paths.js';
import { hashTree } from '../helpers/hash-tree.js';
import { diff } from '../helpers/compare.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { refusalOfRealChroma, rows, withRealChroma } from '../migrate/real-answers.js';

interface ManifestEntry {
  name: string;
  era_by_migrations: string;
  migrations: string[];
  collections: { id: string; name: string; records: number }[];
}

const manifest: ManifestEntry[] = hasRealWorld ? JSON.parse(readFileSync(join(realWorldDir, 'manifest.json'), 'utf8')) : [];
const pythonEra = manifest.filter((e) => /^0\.[456]\./.test(e.era_by_migrations));

/** Chroma's released migration files, as this repository carries them verbatim. */
const MIGRATIONS_DIR = join(repoRoot, 'src-main', 'engine', 'write', 'migrations');
const released = new Set(['sysdb', 'metadb', 'embeddings_queue'].flatMap((d) => readdirSync(join(MIGRATIONS_DIR, d)).map((f) => `${d}/${f}`)));

const problem = realChromaProblem('1.3.4');
reportSkip('corpus migrate', problem);

// Every Python-era folder of the corpus, previewed to Chroma 1.3.4 (the JS bindings the test run
// installs) and opened by that real Chroma: it must apply no further migration, count what the
// manifest counted, and return the records our engine reads from the original.
describe.skipIf(!hasRealWorld || problem !== null)(corpusSuite('migration previews of Python-era folders, opened by real Chroma 1.3.4'), () => {
  if (!hasRealWorld) it('every Python-era folder of the corpus', () => {});
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-corpus-migrate-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const entry of pythonEra) {
    const unreleased = entry.migrations.filter((m) => !released.has(m));
    it(`${entry.name} (${entry.era_by_migrations})${unreleased.length ? ': refused, as real Chroma refuses it' : ''}`, async () => {
      const dir = join(realWorldDir, entry.name);
      const before = hashTree(dir);
      const target = join(work, entry.name);
      if (unreleased.length > 0) {
        const err = await previewMigration(dir, target, { to: 'js-1.3.4' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InspectorError);
        expect((err as InspectorError).code).toBe('UNKNOWN_SCHEMA');
        expect(await refusalOfRealChroma(dir, '1.3.4')).toMatch(/Inconsistent(Hash|Version)/);
        expect(hashTree(dir)).toEqual(before);
        return;
      }
      const preview = await previewMigration(dir, target, { to: 'js-1.3.4' });
      expect(hashTree(dir), 'the original is only read').toEqual(before);
      const migrations = rows(target, 'SELECT dir, version, hash FROM migrations ORDER BY dir, version');
      expect(migrations).toHaveLength(18);
      const original = ChromaFolder.open(dir);
      try {
        await withRealChroma(target, '1.3.4', async (open, copy) => {
          for (const c of entry.collections) {
            const ref = original.catalog.collections.find((x) => x.id === c.id)!;
            const remote = await open(c.name, ref.tenant, ref.database);
            expect(await remote.count(), `${c.name}: count`).toBe(c.records);
            const include = ['documents', 'metadatas', 'embeddings'];
            const got = await remote.get({ include });
            const ours = original.get({ name: c.name, tenant: ref.tenant, database: ref.database }, { include });
            // Within float32 precision: for a cosine index Chroma returns the stored unit vector times its norm.
            expect(diff(ours.embeddings, got.embeddings, 'embeddings', 1e-6), `${c.name}: embeddings`).toBeNull();
            expect(got.ids, `${c.name}: ids`).toEqual(ours.ids);
            expect(got.documents, `${c.name}: documents`).toEqual(ours.documents);
            expect(got.metadatas.map((m) => m ?? {}), `${c.name}: metadatas`).toEqual(ours.metadatas.map((m) => m ?? {}));
          }
          expect(rows(copy, 'SELECT dir, version, hash FROM migrations ORDER BY dir, version'), 'real Chroma migrated nothing more').toEqual(migrations);
        });
      } finally {
        original.close();
      }
      expect(preview.collections.map((c) => c.countAfter)).toEqual(preview.collections.map((c) => c.countBefore));
    });
  }
});
