import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixFolder } from '../../src-main/engine/repair/fix-folder.js';
import { hashTree } from '../helpers/hash-tree.js';
import { CHROMA_VERSION, realChromaProblem, reportSkip, stopAllChroma } from '../helpers/reference-chroma.js';
import { copyDir, copyFixture, garble, loadCases, neverPurgedFolder, realChromaMismatches, runCases, scratch, segmentOf, sql, truncateTo } from './helpers.js';

// HNSW damage made on copies, repaired into new folders: real Chroma opens each repaired folder and
// answers every case it answered for the undamaged workload (test/fixtures/reference/workload-1.3.4-seed7).
const problem = realChromaProblem();
reportSkip('repair hnsw', problem);

const tmp = scratch('ci-repair-hnsw-');
const recorded = loadCases('workload-1.3.4-seed7');
let base = '';

beforeAll(async () => {
  base = await neverPurgedFolder(join(tmp.dir, 'never-purged'));
}, 120_000);

afterAll(() => {
  stopAllChroma();
  tmp.cleanup();
});

/** A damaged copy of the never-purged folder, repaired with hnsw-rebuild only; checks the source is untouched. */
async function damageAndFix(name: string, damage: (dir: string) => void) {
  const damaged = copyDir(base, join(tmp.dir, `${name}-damaged`));
  damage(damaged);
  const before = hashTree(damaged);
  const target = join(tmp.dir, `${name}-fixed`);
  const report = await fixFolder(damaged, target, { only: ['hnsw-rebuild'] });
  expect(hashTree(damaged)).toEqual(before);
  return { damaged, target, report };
}

describe.skipIf(problem !== null)(`hnsw-rebuild: real Chroma ${CHROMA_VERSION} answers as before the damage`, () => {
  it('the undamaged folder: our engine and real Chroma give the recorded answers, and nothing needs rebuilding', async () => {
    expect(runCases(base, recorded)).toEqual([]);
    expect(await realChromaMismatches(base, recorded)).toEqual([]);
    const { report } = await damageAndFix('undamaged', () => undefined);
    expect(report.fixes[0]!.changed).toBe(false);
  }, 120_000);

  it('a deleted segment folder (sensors, l2): rebuilt from the WAL', async () => {
    const { damaged, target, report } = await damageAndFix('deleted-folder', (dir) => rmSync(join(dir, segmentOf(dir, 'sensors', 'VECTOR')), { recursive: true }));
    const seg = segmentOf(damaged, 'sensors', 'VECTOR');
    expect(report.fixes[0]!.actions.join('\n')).toMatch(new RegExp(`sensors: rebuilt ${seg}`));
    // The checkpoint holds every WAL row: max_seq_id is the WAL head of the collection.
    const [head] = sql<{ m: number }>(target, "SELECT max(seq_id) AS m FROM embeddings_queue WHERE topic LIKE '%' || (SELECT collection FROM segments WHERE id = ?)", seg);
    expect(sql(target, 'SELECT seq_id FROM max_seq_id WHERE segment_id = ?', seg)).toEqual([{ seq_id: head!.m }]);
    expect(existsSync(join(target, seg, 'index_metadata.pickle'))).toBe(true);
    expect(await realChromaMismatches(target, recorded)).toEqual([]);
  }, 120_000);

  it('garbage data_level0.bin (books, cosine): every vector recovered from the WAL', async () => {
    const { damaged, target, report } = await damageAndFix('garbage-level0', (dir) => garble(join(dir, segmentOf(dir, 'books', 'VECTOR'), 'data_level0.bin')));
    // The damage bites: books' queries and embeddings no longer give the recorded answers.
    expect(runCases(damaged, recorded).filter((d) => d.startsWith('books')).length).toBeGreaterThan(3);
    const books = recorded.find((c) => c.collection === 'books' && c.op === 'count')!.result as number;
    expect(report.fixes[0]!.counts).toMatchObject({ vectorsFromWal: books, recordsWithoutVector: 0 });
    expect(report.verification.find((c) => c.name === 'books')).toMatchObject({ countBefore: books, countAfter: books, vectorsMissing: 0 });
    expect(await realChromaMismatches(target, recorded)).toEqual([]);
  }, 120_000);

  it('a truncated index_metadata.pickle (orders, in another tenant): rebuilt', async () => {
    const { target, report } = await damageAndFix('truncated-pickle', (dir) => truncateTo(join(dir, segmentOf(dir, 'orders', 'VECTOR'), 'index_metadata.pickle'), 200));
    expect(report.fixes[0]!.actions.join('\n')).toMatch(/northwind\/staging\/orders: rebuilt .*index_metadata\.pickle: truncated/);
    expect(await realChromaMismatches(target, recorded)).toEqual([]);
  }, 120_000);

  it('a purged WAL cannot give back what a garbage checkpoint lost: the records are named, kept, and real Chroma counts them', async () => {
    const src = copyFixture('chroma-1.3.4-seed7', tmp.dir);
    const seg = segmentOf(src, 'articles', 'VECTOR');
    garble(join(src, seg, 'data_level0.bin'));
    const target = join(tmp.dir, 'articles-fixed');
    const report = await fixFolder(src, target, { only: ['hnsw-rebuild'] });
    // Raw SQL: articles' records, and the WAL rows that still carry one of their vectors (none: purged).
    const [{ n: records }] = sql<{ n: number }>(src, 'SELECT count(*) AS n FROM embeddings WHERE segment_id = ?', segmentOf(src, 'articles', 'METADATA')) as [{ n: number }];
    const [{ n: withVector }] = sql<{ n: number }>(
      src,
      "SELECT count(*) AS n FROM embeddings_queue WHERE topic LIKE '%' || (SELECT collection FROM segments WHERE id = ?) AND vector IS NOT NULL",
      seg,
    ) as [{ n: number }];
    expect(withVector).toBe(0);
    expect(report.fixes[0]!.counts.recordsWithoutVector).toBe(records);
    expect(report.fixes[0]!.actions.join('\n')).toMatch(new RegExp(`articles: ${records} record\\(s\\) have no recoverable vector`));
    expect(report.verification.find((c) => c.name === 'articles')).toMatchObject({ countAfter: records, vectorsMissing: records });
    // Records, metadata and documents are intact: real Chroma answers every get that asks for no vector, and every count.
    const cases = loadCases('chroma-1.3.4-seed7').filter(
      (c) => c.error === undefined && (c.op === 'count' || (c.op === 'get' && !((c.args.include as string[] | undefined) ?? []).includes('embeddings'))),
    );
    expect(cases.filter((c) => c.collection === 'articles').length).toBeGreaterThan(20);
    expect(await realChromaMismatches(target, cases)).toEqual([]);
  }, 120_000);
});
