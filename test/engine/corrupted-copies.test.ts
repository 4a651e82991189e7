import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { InspectorError } from '../../shared/errors.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { mutants } from '../helpers/segment-mutants.js';

/**
 * Damage is never silent. Each mutant damages one file of a vector segment (in a temp copy of a
 * reference folder) and every recorded case of that collection runs against it. An answer is
 * fine when it equals Chroma's recorded answer for the undamaged folder, or when it is an error
 * naming the damage (VECTORS_MISSING, CORRUPT_*, or a message naming a segment file). Anything
 * else is a silent wrong answer. Queries are also run with allowPartial (the UI's mode), where
 * a differing answer must carry warnings.
 */

interface Target {
  fixture: string;
  collection: string;
  /** Another folder holding a collection of the same name and layout, to swap files from. */
  donor?: string;
}

const TARGETS: Target[] = [
  { fixture: 'chroma-1.3.4-seed7', collection: 'articles', donor: 'chroma-1.0.1-seed7' },
  { fixture: 'chroma-1.3.4-seed7', collection: 'inner', donor: 'chroma-1.0.1-seed7' },
  { fixture: 'workload-1.3.4-seed7', collection: 'sensors' },
];

type Verdict = 'equal' | 'error' | 'warned' | 'silent';

const SEGMENT_FILE = /header\.bin|data_level0\.bin|length\.bin|link_lists\.bin|index_metadata\.pickle/;

function classify(c: RecordedCase, run: () => unknown): { verdict: Verdict; detail: string } {
  let got: unknown;
  try {
    got = run();
  } catch (err) {
    if (c.error !== undefined) return { verdict: 'equal', detail: '' }; // Chroma rejected it too
    const named = err instanceof InspectorError && (err.code === 'VECTORS_MISSING' || err.code.startsWith('CORRUPT_') || SEGMENT_FILE.test(err.message));
    return named
      ? { verdict: 'error', detail: '' }
      : { verdict: 'silent', detail: `unspecific error: ${err instanceof InspectorError ? err.code : ''} ${(err as Error).message}` };
  }
  if (c.error !== undefined) return { verdict: 'silent', detail: `answered a call Chroma rejects (${c.error})` };
  const d = compareCase(c, got);
  if (d === null) return { verdict: 'equal', detail: '' };
  const warnings = (got as { warnings?: unknown[] }).warnings;
  if (Array.isArray(warnings) && warnings.length > 0) return { verdict: 'warned', detail: d };
  return { verdict: 'silent', detail: d };
}

const fixtures = [...new Set(TARGETS.map((t) => t.fixture))];
const originalHashes = new Map(fixtures.map((f) => [f, hashTree(join(referenceFixture(f), 'data'))]));
const temps: string[] = [];

afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('corrupted copies: damage is never silent', () => {
  const byFile: Record<string, Record<string, number>> = {};
  const totals = { mutants: 0, cases: 0, equal: 0, error: 0, warned: 0, silent: 0, undetectable: 0, partial_equal: 0, partial_error: 0, partial_warned: 0, partial_silent: 0 };

  for (const [ti, target] of TARGETS.entries()) {
    it(`${target.fixture} / ${target.collection}`, () => {
      const src = join(referenceFixture(target.fixture), 'data');
      const { cases: all } = JSON.parse(readFileSync(join(referenceFixture(target.fixture), 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
      const cases = all.filter((c) => splitCollection(c.collection).name === target.collection && !c.collection.includes('@'));
      const root = mkdtempSync(join(tmpdir(), 'chroma-inspector-mutants-'));
      temps.push(root);
      const dir = join(root, 'data');
      cpSync(src, dir, { recursive: true });

      const segmentOf = (folderDir: string) => {
        const f = ChromaFolder.open(folderDir);
        try {
          return f.collection({ name: target.collection }).catalog.vectorSegment!.id;
        } finally {
          f.close();
        }
      };
      const seg = segmentOf(dir);
      const donorDir = target.donor ? join(referenceFixture(target.donor), 'data') : null;
      const donorSeg = donorDir ? join(donorDir, segmentOf(donorDir)) : null;
      // MUTANT_SEED explores other mutants by hand; the suite itself always uses the same ones.
      const space = (() => {
        const f = ChromaFolder.open(dir);
        try {
          return f.collection({ name: target.collection }).params.space;
        } finally {
          f.close();
        }
      })();
      const list = mutants(join(dir, seg), Number(process.env.MUTANT_SEED ?? 7000) + 100 * ti, donorSeg, space);
      const silent: string[] = [];
      const errors = new Set<string>();

      // count and get without embeddings never read the vector segment (and cost most of the time):
      // they run against every ninth mutant, to show they stay right; the vector-dependent cases
      // against all of them.
      const needsVectors = (c: RecordedCase) => c.op === 'query' || ((c.args.include as string[] | undefined) ?? []).includes('embeddings');
      for (const [mi, m] of list.entries()) {
        const path = join(dir, seg, m.file);
        const original = readFileSync(path);
        writeFileSync(path, m.bytes);
        try {
          const folder = ChromaFolder.open(dir);
          try {
            for (const c of mi % 9 === 0 ? cases : cases.filter(needsVectors)) {
              const ref = splitCollection(c.collection);
              const strict = classify(c, () => (c.op === 'count' ? folder.count(ref) : c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args)));
              totals.cases++;
              if (!(strict.verdict === 'silent' && m.undetectable)) totals[strict.verdict]++;
              if (strict.verdict === 'silent' && m.undetectable) {
                totals.undetectable++;
                console.log(`undetectable damage (Chroma reads the same bytes): ${m.name} | ${c.label}: ${strict.detail}`);
              } else if (strict.verdict === 'silent') silent.push(`${m.name} | ${c.label}: ${strict.detail}`);
              if (strict.verdict === 'error') errors.add(m.name);
              if (c.op === 'query' && c.error === undefined && strict.verdict === 'error') {
                // The UI's mode: a partial answer is allowed, but never without its warnings.
                // (Where the strict call answered, no vector was missing and the answer is the same.)
                const partial = classify(c, () => folder.query(ref, c.args, { allowPartial: true }));
                totals[`partial_${partial.verdict}`]++;
                if (partial.verdict === 'silent') silent.push(`${m.name} | ${c.label} (allowPartial): ${partial.detail}`);
              }
            }
          } finally {
            folder.close();
          }
        } finally {
          writeFileSync(path, original);
        }
        totals.mutants++;
        const outcome = errors.has(m.name) ? 'failed loudly' : 'answered';
        const tally = (byFile[m.file] ??= {});
        tally[outcome] = (tally[outcome] ?? 0) + 1;
      }
      expect(silent, `silent wrong answers:\n${silent.join('\n')}`).toEqual([]);
      // The damage that cannot leave the answer intact is caught, not just lucky: a file from
      // another index, vectors moved between elements, and a torn data_level0.bin all fail loudly.
      for (const name of list.map((m) => m.name).filter((n) => /^data_level0\.bin (from another folder|with vectors shifted|truncated)/.test(n))) {
        expect(errors, name).toContain(name);
      }
    });
  }

  it('only copies were damaged: the reference folders are unchanged', () => {
    for (const f of fixtures) expect(hashTree(join(referenceFixture(f), 'data'))).toEqual(originalHashes.get(f));
    // Printed for the record: how the suite's answers split.
    console.log(`corrupted copies: ${JSON.stringify(totals)}\nmutants by file: ${JSON.stringify(byFile)}`);
  });
});

describe('a checkpoint from another folder', () => {
  it('claiming a WAL seq the database never reached: its vectors are not used, queries fail naming it', () => {
    const root = mkdtempSync(join(tmpdir(), 'chroma-inspector-seq-ahead-'));
    temps.push(root);
    const dir = join(root, 'data');
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), dir, { recursive: true });
    const probe = ChromaFolder.open(dir);
    const seg = probe.collection({ name: 'articles' }).catalog.vectorSegment!.id;
    probe.close();
    // The max_seq_id row is what a copied-in checkpoint's own folder recorded.
    const db = new Database(join(dir, 'chroma.sqlite3'));
    db.prepare('UPDATE max_seq_id SET seq_id = 999999 WHERE segment_id = ?').run(seg);
    db.close();
    const folder = ChromaFolder.open(dir);
    try {
      const args = { queryEmbeddings: [Array(16).fill(0.1)], nResults: 3 };
      expect(() => folder.query({ name: 'articles' }, args)).toThrow(/VECTORS_MISSING|no usable vector/);
      const problems = folder.collectionInfo({ name: 'articles' }).problems;
      expect(problems.find((p) => p.code === 'hnsw.seq-ahead')?.file).toBe(`${seg}/index_metadata.pickle`);
      expect(folder.count({ name: 'articles' })).toBe(1349);
    } finally {
      folder.close();
    }
  });
});
