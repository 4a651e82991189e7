import { closeSync, openSync, readFileSync, readSync, rmSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import { PREFAULT_ENV } from '../../src-main/engine/util/prefault.js';
import { firstQuery } from '../helpers/prepared-load-plan.js';
import { until } from '../helpers/wait-for.js';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { CheckpointGraph } from '../../src-main/engine/hnsw/graph-search.js';
import { level0Tuning } from '../../src-main/engine/hnsw/level0-links.js';
import { readHeaderFile } from '../../src-main/engine/hnsw/segment-files.js';
import { runSteps } from '../../src-main/engine/util/steps.js';
import { Level0File } from '../../src-main/engine/hnsw/level0-file.js';
import * as rowReads from '../../src-main/engine/util/row-reads.js';
import { NATIVE_ROWS_ENV } from '../../src-main/engine/util/row-reads.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { copyOf } from '../helpers/folder-copies.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';

/**
 * A large graph leaves its level-0 rows in data_level0.bin and reads each one as its walk expands
 * the node (hnsw/level0-file.ts): the process does not hold them (629 MB at 5M × 128). The
 * fixtures are small, so the tests lower the size from which rows stay in the file. The answers
 * must still be Chroma's recorded ones, and a file a running Chroma persists again after the load
 * must never be walked as if it were the loaded graph.
 */

const fixture = referenceFixture('chroma-1.3.4-seed7');
const { cases } = JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
const graphQueries = cases.filter((c) => c.op === 'query' && c.error === undefined && ['articles', 'inner'].includes(splitCollection(c.collection).name));
const defaultFromBytes = level0Tuning.inFilesFromBytes;

interface GraphState {
  graph: CheckpointGraph | null | undefined;
  problems: { code: string; message: string }[];
}
const stateOf = (folder: ChromaFolder, name: string) => folder.collection({ name }).vectors({ forQuery: true }) as unknown as GraphState;
const hits = (r: { ids: unknown; distances: unknown }) => ({ ids: r.ids, distances: r.distances });
const WHOLE_SECOND = 1_700_000_000;
const probe = (dim: number, seed: number) => ({ queryEmbeddings: [Array.from({ length: dim }, (_, i) => Math.sin(seed * 7 + i))], nResults: 5 });

afterEach(() => {
  level0Tuning.inFilesFromBytes = defaultFromBytes;
  delete process.env[PREFAULT_ENV];
  vi.restoreAllMocks();
});

describe('level-0 rows left in data_level0.bin', () => {
  it("answers every recorded query of the graph collections as Chroma did, reading rows from the file, and writes nothing", () => {
    level0Tuning.inFilesFromBytes = 1;
    const data = join(fixture, 'data');
    const before = hashTree(data);
    const folder = ChromaFolder.open(data);
    try {
      expect(graphQueries.length).toBeGreaterThan(10);
      for (const c of graphQueries) {
        const ref = splitCollection(c.collection);
        expect(compareCase(c, folder.query(ref, c.args)), c.label).toBeNull();
        expect(compareCase(c, folder.query(ref, c.args)), `${c.label} (asked again)`).toBeNull();
      }
      for (const name of ['articles', 'inner']) {
        const graph = stateOf(folder, name).graph!;
        expect(graph.links.level0.length, `${name}: no rows held`).toBe(0);
        expect(graph.links.level0File!.rowsRead, `${name}: rows read from the file`).toBeGreaterThan(0);
      }
      // (The walk over a distance table, which needs more elements than these collections hold,
      // reads rows from a file in hnsw/distance-table.test.ts.)
    } finally {
      folder.close();
    }
    expect(hashTree(data)).toEqual(before);
  });

  it('is what the background load after a first query from the files gives: it copies no rows, and the graph answers as Chroma did', async () => {
    level0Tuning.inFilesFromBytes = 1;
    process.env[PREFAULT_ENV] = 'always';
    const { folder, reader, prepared } = await firstQuery(join(fixture, 'data'), 'articles');
    try {
      expect(prepared, 'a first query from the files prepares the load').not.toBeNull();
      expect((prepared as unknown as { job: { rows: SharedArrayBuffer } }).job.rows.byteLength, 'rows copied').toBe(0);
      await until(() => prepared!.settled, 'the fill');
      const took = vi.spyOn(PreparedLoad.prototype, 'takeFilled');
      reader.vectors({ forQuery: true });
      expect(took.mock.results.map((r) => r.value === null)).toEqual([false]);
      const articles = graphQueries.filter((c) => splitCollection(c.collection).name === 'articles');
      expect(articles.length).toBeGreaterThan(5);
      for (const c of articles) expect(compareCase(c, folder.query({ name: 'articles' }, c.args)), c.label).toBeNull();
      const links = stateOf(folder, 'articles').graph!.links;
      expect(links.level0.length).toBe(0);
      expect(links.level0File!.rowsRead).toBeGreaterThan(0);
    } finally {
      folder.close();
    }
  });

  it('keeps the rows in memory below the size', () => {
    const folder = ChromaFolder.open(join(fixture, 'data'));
    try {
      // Loaded first: a first query of a fresh folder walks the files' graph (unloaded-vectors.ts).
      stateOf(folder, 'articles');
      folder.query({ name: 'articles' }, probe(16, 1));
      const links = stateOf(folder, 'articles').graph!.links;
      expect(links.level0File).toBeNull();
      expect(links.level0.length).toBe(links.count * (links.maxM0 + 1));
    } finally {
      folder.close();
    }
  });

  /** A copy whose `articles` graph is loaded with its rows in the file, the segment's data_level0.bin, and exact answers to compare with. */
  function loadedCopy() {
    level0Tuning.inFilesFromBytes = 1;
    const data = copyOf(join(fixture, 'data'));
    const segmentId = ChromaFolder.open(data).collection({ name: 'articles' }).catalog.vectorSegment!.id;
    const file = join(data, segmentId, 'data_level0.bin');
    // A whole second: a time utimes can set again exactly (the stamp compares nanoseconds).
    utimesSync(file, WHOLE_SECOND, WHOLE_SECOND);
    const folder = ChromaFolder.open(data);
    const reader = folder.collection({ name: 'articles' });
    const dim = reader.dimension!;
    stateOf(folder, 'articles');
    folder.query({ name: 'articles' }, probe(dim, 1));
    expect(stateOf(folder, 'articles').graph!.links.level0File).not.toBeNull();
    const exact = (seed: number) => hits(folder.query({ name: 'articles' }, probe(dim, seed), { exact: true }));
    return { data, folder, segmentId, file, dim, exact };
  }

  it('answers exactly, and says why, once a running Chroma has persisted the file again', () => {
    const { data, folder, file, dim, exact } = loadedCopy();
    try {
      // Persisted again: same bytes here, a new modification time (as any write gives it).
      utimesSync(file, WHOLE_SECOND + 5, WHOLE_SECOND + 5);
      expect(hits(folder.query({ name: 'articles' }, probe(dim, 2)))).toEqual(exact(2));
      const state = stateOf(folder, 'articles');
      expect(state.graph).toBeNull();
      expect(state.problems.map((p) => p.code)).toContain('hnsw.graph-unavailable');
      expect(state.problems.find((p) => p.code === 'hnsw.graph-unavailable')!.message).toMatch(/data_level0\.bin was written again after the graph was loaded; queries are answered exactly/);
      expect(hits(folder.query({ name: 'articles' }, probe(dim, 3)))).toEqual(exact(3));
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });

  /** Rewrites every row's start in place, as a persist does: `put(word)` gives the row's first word (its neighbour count) and first neighbour. */
  function rewriteRows(data: string, segmentId: string, file: string, put: (count: number) => { head?: number; first?: number }) {
    const header = readHeaderFile(join(data, segmentId), `${segmentId}/header.bin`);
    const fd = openSync(file, 'r+');
    try {
      const word = Buffer.alloc(4);
      for (let id = 0; id < header.curElementCount; id++) {
        const at = id * header.sizeDataPerElement;
        readSync(fd, word, 0, 4, at);
        if ((word.readUInt32LE(0) & 0xffff) === 0) continue;
        const { head, first } = put(header.curElementCount);
        if (first !== undefined) writeSync(fd, Buffer.from(new Uint32Array([first]).buffer), 0, 4, at + 4);
        if (head !== undefined) writeSync(fd, Buffer.from(new Uint32Array([head]).buffer), 0, 4, at);
      }
    } finally {
      closeSync(fd);
    }
    return header;
  }

  /** Runs `during` once, inside the walk's step, after its first row read from the file. */
  function duringAStep(during: () => void) {
    const row = Level0File.prototype.row;
    let reads = 0;
    vi.spyOn(Level0File.prototype, 'row').mockImplementation(function (this: Level0File, id: number) {
      if (++reads === 2) during();
      return row.call(this, id);
    });
  }

  const graphDropped = (folder: ChromaFolder) => {
    const state = stateOf(folder, 'articles');
    expect(state.graph).toBeNull();
    return state.problems.find((p) => p.code === 'hnsw.graph-unavailable')?.message;
  };

  it('answers exactly, and says why, when Chroma persists during a walk: rows past the elements are never followed', () => {
    const { data, folder, segmentId, file, dim, exact } = loadedCopy();
    try {
      let total = 0;
      duringAStep(() => {
        total = rewriteRows(data, segmentId, file, (count) => ({ first: count + 7 })).curElementCount;
      });
      expect(hits(folder.query({ name: 'articles' }, probe(dim, 4)))).toEqual(exact(4));
      expect(graphDropped(folder)).toMatch(new RegExp(`links to ${total + 7}, past the ${total} elements after the graph was loaded; queries are answered exactly`));
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });

  it('answers exactly when Chroma persists rows inside the bounds during a walk: the step checks the file when it ends', () => {
    const { data, folder, segmentId, file, dim, exact } = loadedCopy();
    try {
      // Every row left with no neighbours: a walk that used them would stop at once, with one hit.
      duringAStep(() => rewriteRows(data, segmentId, file, () => ({ head: 0 })));
      expect(hits(folder.query({ name: 'articles' }, probe(dim, 5)))).toEqual(exact(5));
      expect(graphDropped(folder)).toMatch(/data_level0\.bin was written again after the graph was loaded/);
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });

  it('answers exactly when Chroma persists while a filter admitting fewer than ef learns what the graph keeps (sweeps over the file)', () => {
    const { data, folder, segmentId, file, dim } = loadedCopy();
    try {
      const few = { ...probe(dim, 6), ids: folder.get({ name: 'articles' }, { limit: 3, include: [] }).ids };
      const exactFew = hits(folder.query({ name: 'articles' }, few, { exact: true }));
      // The second run of rows read by a sweep: every row rewritten in place with no neighbours first.
      const readFully = (Level0File.prototype as unknown as { readFully: (...args: unknown[]) => void }).readFully;
      let reads = 0;
      vi.spyOn(Level0File.prototype as unknown as { readFully: (...args: unknown[]) => void }, 'readFully').mockImplementation(function (this: Level0File, ...args: unknown[]) {
        if (++reads === 2) rewriteRows(data, segmentId, file, () => ({ head: 0 }));
        return readFully.apply(this, args);
      });
      expect(hits(folder.query({ name: 'articles' }, few))).toEqual(exactFew);
      expect(reads).toBeGreaterThanOrEqual(2);
      expect(graphDropped(folder)).toMatch(/data_level0\.bin was written again after the graph was loaded/);
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });

  it("checks the file when a sweep's step ends, not only when it opens", () => {
    const { data, folder, file } = loadedCopy();
    try {
      const rows = stateOf(folder, 'articles').graph!.links.level0File!.rowSource();
      // The whole file in one step, persisted while its rows are visited.
      const sweep = rows.chunksSteps(false, Number.MAX_SAFE_INTEGER, () => utimesSync(file, WHOLE_SECOND + 9, WHOLE_SECOND + 9));
      expect(() => runSteps(sweep)).toThrow(/data_level0\.bin was written again after the graph was loaded/);
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });

  it('sees a persist whose modification time was set back (a coarse clock, or utimes): the change time moved', () => {
    const { data, folder, segmentId, file, dim, exact } = loadedCopy();
    try {
      rewriteRows(data, segmentId, file, () => ({ head: 0 }));
      utimesSync(file, WHOLE_SECOND, WHOLE_SECOND);
      expect(hits(folder.query({ name: 'articles' }, probe(dim, 6)))).toEqual(exact(6));
      expect(graphDropped(folder)).toMatch(/data_level0\.bin was written again/);
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });

  it('answers exactly when a row cannot be read, on the path without the addon too', () => {
    for (const nativeRows of ['on', 'off']) {
      const { data, folder, dim, exact } = loadedCopy();
      try {
        if (nativeRows === 'off') process.env[NATIVE_ROWS_ENV] = 'off';
        const expected = exact(8);
        let walking = -1;
        const open = Level0File.prototype.openStep;
        vi.spyOn(Level0File.prototype, 'openStep').mockImplementation(function (this: Level0File) {
          open.call(this);
          walking = (this as unknown as { fd: number }).fd;
        });
        const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
        vi.spyOn(rowReads, 'readRows').mockImplementation((fd) => {
          if (fd === walking) throw eio;
          return 0;
        });
        expect(hits(folder.query({ name: 'articles' }, probe(dim, 8))), nativeRows).toEqual(expected);
        expect(graphDropped(folder)).toMatch(/data_level0\.bin cannot be read \(EIO: i\/o error, read\) after the graph was loaded/);
      } finally {
        vi.restoreAllMocks();
        delete process.env[NATIVE_ROWS_ENV];
        folder.close();
        rmSync(join(data, '..'), { recursive: true, force: true });
      }
    }
  });
  it("answers exactly when the file moved before a filtered query's walk ahead: the walk lets the graph go, the query does not fail", async () => {
    const { data, folder, file, dim, exact } = loadedCopy();
    try {
      const filtered = { ...probe(dim, 9), where: { category: 'paper' } };
      const expected = hits(folder.query({ name: 'articles' }, filtered, { exact: true }));
      expect((expected.ids as string[][])[0]!.length).toBeGreaterThan(0);
      expect(exact(9).ids).not.toEqual(expected.ids);
      utimesSync(file, WHOLE_SECOND + 9, WHOLE_SECOND + 9);
      const walks = vi.spyOn(CheckpointGraph.prototype, 'searchSteps');
      await folder.prepareQuery({ name: 'articles' }, filtered, {}, { sliceMs: 0 });
      expect(walks, 'the walk ahead ran').toHaveBeenCalled();
      expect(graphDropped(folder)).toMatch(/was written again after the graph was loaded/);
      expect(hits(folder.query({ name: 'articles' }, filtered))).toEqual(expected);
    } finally {
      folder.close();
      rmSync(join(data, '..'), { recursive: true, force: true });
    }
  });
});
