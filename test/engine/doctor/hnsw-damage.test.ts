import { openSync, readFileSync, rmSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
// @ts-expect-error -- plain JS shared with the node scripts
import { seededRandom } from '../../reference-chroma/seeded-random.mjs';
import { hashTree } from '../../helpers/hash-tree.js';
import { SOUND, byName, damagedCopy, dataOf, only, rows, scratch, type RawCollection } from './helpers.js';

// Synthetic damage to a collection's HNSW checkpoint, on copies of a sound folder written by real
// Chroma: each is reported as an error with the right files, and the records that lose their
// vector are counted as an independent oracle counts them.

const tmp = scratch();
afterAll(() => tmp.cleanup());

/**
 * Records of the collection that no vector can come from once the checkpoint is gone: the
 * metadata segment's records, minus those a WAL row still carries a vector for (Chroma purged
 * the rows the checkpoint held, docs/format.md §4.6).
 */
function recordsWithoutVector(dir: string, c: RawCollection): number {
  return rows<{ n: number }>(
    dir,
    `SELECT count(*) AS n FROM embeddings e WHERE e.segment_id = ? AND e.embedding_id NOT IN
       (SELECT id FROM embeddings_queue WHERE topic = ? AND vector IS NOT NULL AND operation IN (0, 1, 2))`,
    c.metadataSegment,
    c.topic,
  )[0]!.n;
}

const sound = dataOf(SOUND);
const soundHashes = hashTree(sound);
afterAll(() => expect(hashTree(sound), 'the committed fixture is never written').toEqual(soundHashes));

describe('HNSW damage on a copy of a sound folder', () => {
  it('a deleted segment folder: the folder is reported missing and the records without a vector are counted', async () => {
    let articles!: RawCollection;
    const dir = damagedCopy(tmp.dir, SOUND, (d) => {
      articles = byName(d, 'articles');
      rmSync(join(d, articles.vectorSegment), { recursive: true });
    });
    const before = hashTree(dir);
    const report = await runDoctor(dir);
    expect(hashTree(dir), 'the doctor only reads').toEqual(before);
    const missingFolder = only(report, 'hnsw.missing-folder', 'articles');
    expect(missingFolder.severity).toBe('warning');
    expect(missingFolder.evidence.segments).toEqual([articles.vectorSegment]);
    expect(missingFolder.fix).toBe('hnsw-rebuild');
    const lost = only(report, 'vectors.missing', 'articles');
    expect(lost.severity).toBe('error');
    const expected = recordsWithoutVector(dir, articles);
    expect(expected).toBeGreaterThan(1000);
    expect(lost.evidence.numbers).toMatchObject({ missing: expected, records: 1349 });
    expect(lost.evidence.ids.length).toBeGreaterThan(0);
    const c = report.collections.find((x) => x.name === 'articles')!;
    expect(c.hnsw).toMatchObject({ folderExists: false, checkpointUsable: false, vectors: 1349 - expected });
    expect(report.summary.errors).toBeGreaterThan(0);
  });

  it('garbage in data_level0.bin: an error names the file, and the records lose their vectors', async () => {
    let articles!: RawCollection;
    const dir = damagedCopy(tmp.dir, SOUND, (d) => {
      articles = byName(d, 'articles');
      const file = join(d, articles.vectorSegment, 'data_level0.bin');
      const random = seededRandom(7) as () => number;
      const garbage = Buffer.alloc(statSync(file).size);
      for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(random() * 256);
      const fd = openSync(file, 'r+');
      writeSync(fd, garbage, 0, garbage.length, 0);
      closeSync(fd);
    });
    const report = await runDoctor(dir);
    const file = `${articles.vectorSegment}/data_level0.bin`;
    const damage = report.findings.filter((f) => f.collection?.name === 'articles' && f.severity === 'error' && f.evidence.files.includes(file));
    expect(damage.length, JSON.stringify(report.findings.map((f) => [f.code, f.evidence.files]))).toBeGreaterThan(0);
    for (const f of damage) expect(f.fix).toBe('hnsw-rebuild');
    const lost = only(report, 'vectors.missing', 'articles');
    const missing = recordsWithoutVector(dir, articles);
    expect(lost.evidence.numbers.missing).toBe(missing);
    expect(report.collections.find((x) => x.name === 'articles')!.hnsw.vectors).toBe(1349 - missing);
  });

  it('a truncated index_metadata.pickle: pickle.corrupt names it, and the records lose their vectors', async () => {
    let articles!: RawCollection;
    const dir = damagedCopy(tmp.dir, SOUND, (d) => {
      articles = byName(d, 'articles');
      const file = join(d, articles.vectorSegment, 'index_metadata.pickle');
      truncateSync(file, Math.floor(readFileSync(file).length / 2));
    });
    const report = await runDoctor(dir);
    const corrupt = only(report, 'pickle.corrupt', 'articles');
    expect(corrupt.severity).toBe('error');
    expect(corrupt.evidence.files).toEqual([`${articles.vectorSegment}/index_metadata.pickle`]);
    expect(corrupt.chromaWould).toMatch(/EOF/);
    expect(only(report, 'vectors.missing', 'articles').evidence.numbers.missing).toBe(recordsWithoutVector(dir, articles));
    // The other collections are untouched.
    expect(report.findings.filter((f) => f.severity === 'error' && f.collection?.name !== 'articles')).toEqual([]);
  });
});
