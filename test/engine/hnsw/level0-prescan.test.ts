import { createHash } from 'node:crypto';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { Space } from '../../../shared/models.js';
import { readCheckpoint } from '../../../src-main/engine/hnsw/checkpoint.js';
import { Level0Prescan, PICKLE_NOT_READ, PRESCAN_ENV } from '../../../src-main/engine/hnsw/level0-prescan.js';
import { readHeaderFile } from '../../../src-main/engine/hnsw/segment-files.js';
import { withLoadProgress, type LoadStep } from '../../../src-main/engine/util/load-progress.js';
import { runStepsSliced } from '../../../src-main/engine/util/steps.js';
import { layoutOf, mutants, type Mutant } from '../../helpers/segment-mutants.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';
import { spyOnSteps } from '../../helpers/spy-steps.js';
import { fixtureSegment } from '../../helpers/fixture-segment.js';

/**
 * The pass over data_level0.bin can run in a worker thread (level0-prescan.ts) for a reader that
 * keeps no vector. Whatever the files hold, the checkpoint reader must then find exactly what its
 * own pass finds: the same problems, the same labels handed to the sink in the same order, the
 * same row verdict. Each case reads one segment both ways, sound and with every mutant of the
 * damage suite plus a few aimed at the worker's own checks.
 */

const TARGETS = [
  { fixture: 'chroma-1.3.4-seed7', collection: 'articles' },
  { fixture: 'chroma-1.3.4-seed7', collection: 'inner' },
  { fixture: 'workload-1.3.4-seed7', collection: 'sensors' },
];

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env[PRESCAN_ENV];
  vi.restoreAllMocks();
});

/** A collection's vector segment: in the fixture itself (`copy` false: the test only reads it), or in a temp copy the test may damage. */
const segmentOf = (fixture: string, collection: string, copy: boolean) => fixtureSegment(fixture, collection, copy ? temps : null);

/**
 * How the level-0 chunks are shared when the pass runs beside the reader: `worker-first` holds the
 * reader until the worker has checked every chunk; `shared` gives the worker chunks of four
 * elements and lets the reader go on at once, so it joins the pass (finish) with chunks left.
 */
type Sharing = 'worker-first' | 'shared';

/** Which thread runs the pass beside the reader: a worker, or the addon's (native/level0-prescan.cc). */
type Backend = 'worker' | 'native';

function withSharing(sharing: Sharing, backend: Backend): void {
  const start = Level0Prescan.start.bind(Level0Prescan);
  vi.spyOn(Level0Prescan, 'start').mockImplementation((dataFile, lengthFile, header, cosine, pickle, links, opts) => {
    // The addon's thread starts at once and outruns the reader: held back 2 ms a chunk, it leaves the reader some.
    const shared = sharing === 'shared';
    const p = start(dataFile, lengthFile, header, cosine, pickle, links, {
      ...opts,
      chunkBytes: shared ? 4 * header.sizeDataPerElement : undefined,
      pauseMs: shared && backend === 'native' ? 2 : 0,
    });
    if (p && sharing === 'worker-first') {
      const status = new Int32Array((p as unknown as { job: { status: SharedArrayBuffer } }).job.status);
      for (let t = 0; t < 400 && Atomics.load(status, 0) === 0; t++) Atomics.wait(status, 0, 0, 50);
    }
    return p;
  });
}

/** What a labels-only reader of the checkpoint sees (everything the first query decides on). */
function readLabelsOnly(folder: string, segment: string, space: Space, beside: Backend | null, sharing?: Sharing) {
  process.env[PRESCAN_ENV] = beside ?? 'off';
  if (sharing) withSharing(sharing, beside!);
  const handed: number[] = [];
  let rows: string | null | undefined;
  let links = '';
  let upper: number[] = [];
  const r = readCheckpoint(folder, segment, {
    space,
    sink: {
      labelsOnly: true,
      vector: (label, _buf, _offset, _norm, id) => handed.push(label, id),
      linkLists: (buf, upperAt) => {
        links = createHash('sha1').update(buf).digest('hex');
        upper = Array.from(upperAt);
      },
      rows: (problem) => (rows = problem),
    },
  });
  if (sharing) vi.mocked(Level0Prescan.start).mockRestore();
  return {
    usable: r.usable,
    problems: r.problems,
    deletedCount: r.deletedCount,
    phantomLabels: r.phantomLabels,
    damagedLabels: [...r.damagedLabels].sort((a, b) => a - b),
    idToLabel: r.idToLabel.size,
    graphUsable: r.graphUsable,
    handed,
    rows,
    links,
    upper,
  };
}

/** Mutants aimed at the worker's checks (each at a live element): a row's count, a link, a vector component, a label, a deleted flag. */
function aimed(segDir: string): Mutant[] {
  const L = layoutOf(readFileSync(join(segDir, 'header.bin')));
  const level0 = readFileSync(join(segDir, 'data_level0.bin'));
  const maxM0 = (L.offsetData - 4) / 4;
  const edit = (name: string, change: (b: Buffer) => void): Mutant => {
    const bytes = Buffer.from(level0);
    change(bytes);
    return { name, file: 'data_level0.bin', bytes };
  };
  // Live elements, in order: each mutant below aims at its own one.
  const live = Array.from({ length: L.cur }, (_, id) => id).filter((id) => (level0[id * L.size + 2]! & 1) === 0);
  const at = (n: number) => live[n]! * L.size;
  return [
    edit('a row with maxM0 + 1 neighbours', (b) => b.writeUInt16LE(maxM0 + 1, at(3))),
    edit('a link past the last element', (b) => b.writeUInt32LE(L.cur + 7, at(5) + 4)),
    edit('a NaN component', (b) => b.writeFloatLE(Number.NaN, at(7) + L.offsetData + 8)),
    edit('a component of 1e30', (b) => b.writeFloatLE(1e30, at(9) + L.offsetData)),
    edit('a vector scaled by 1.5', (b) => {
      for (let i = 0; i < (L.labelOffset - L.offsetData) / 4; i++) {
        const p = at(11) + L.offsetData + 4 * i;
        b.writeFloatLE(b.readFloatLE(p) * 1.5, p);
      }
    }),
    edit('two elements with one label', (b) => b.copy(b, at(13) + L.labelOffset, at(14) + L.labelOffset, at(14) + L.labelOffset + 8)),
    edit('an element marked deleted', (b) => (b[at(15) + 2] = b[at(15) + 2]! | 1)),
    { name: 'length.bin a norm short', file: 'length.bin', bytes: readFileSync(join(segDir, 'length.bin')).subarray(0, L.cur * 4 - 4) },
  ];
}

for (const backend of ['worker', 'native'] as const) {
  const missing = backend === 'native' ? addonMissing('prescanLevel0', 'prescanStop') : null;
  describe.skipIf(missing !== null)(addonSuite(`the level-0 pass on another thread (${backend}) finds what the reader’s own pass finds`, missing), () => {
    for (const target of TARGETS) {
      it(`${target.fixture} / ${target.collection}: sound, and under every mutant`, () => {
        const { dir, seg, space, segDir } = segmentOf(target.fixture, target.collection, true);

        // Sound: the worker ran and answered (not the fallback), and both readers agree.
        const finish = spyOnSteps(Level0Prescan.prototype, 'finishSteps');
        const walked = spyOnSteps(Level0Prescan.prototype, 'linkListsSteps');
        const sampled = spyOnSteps(Level0Prescan.prototype, 'graphSampleSteps');
        const sound = readLabelsOnly(dir, seg, space, backend);
        // The addon's thread also took the graph consistency sample; a worker takes none.
        expect(sampled.calls[0]!.value === null).toBe(backend === 'worker');
        expect(finish.started()).toBe(1);
        expect(finish.calls[0]!.value).not.toBeNull();
        expect(walked.calls[0]!.value).not.toBeNull();
        expect(sound.usable).toBe(true);
        expect(sound.handed.length).toBeGreaterThan(0);
        expect(sound).toEqual(readLabelsOnly(dir, seg, space, null));

        const list = [...mutants(segDir, 9100, null, space), ...aimed(segDir)];
        const differ: string[] = [];
        const answered = { 'worker-first': 0, shared: 0 };
        // Level-0 chunks the reader checked itself, per way of sharing (the worker took the rest).
        const takenHere = { 'worker-first': 0, shared: 0 };
        for (const m of list) {
          const path = join(segDir, m.file);
          const original = readFileSync(path);
          writeFileSync(path, m.bytes);
          try {
            const own = readLabelsOnly(dir, seg, space, null);
            for (const sharing of ['worker-first', 'shared'] as const) {
              finish.clear();
              const beside = readLabelsOnly(dir, seg, space, backend, sharing);
              finish.calls.forEach((r) => {
                if (r.value === null) return;
                answered[sharing]++;
                takenHere[sharing] += (r.context as Level0Prescan).chunksTakenHere;
              });
              try {
                expect(beside).toEqual(own);
              } catch {
                differ.push(`${m.name} (${sharing})`);
              }
            }
          } finally {
            writeFileSync(path, original);
          }
        }
        expect(differ).toEqual([]);
        // Most mutants leave the file readable to the end: the pass beside the reader gave the
        // answer used. Held back, the reader took no chunk; let go, it took some.
        expect(answered['worker-first']).toBeGreaterThan(list.length / 2);
        expect(answered.shared).toBeGreaterThan(list.length / 2);
        expect(takenHere['worker-first']).toBe(0);
        expect(takenHere.shared).toBeGreaterThan(0);
      });
    }

    it('gives the rows verdict, the damaged labels and the non-finite warning the aimed mutants call for', () => {
      const { dir, seg, space, segDir } = segmentOf('chroma-1.3.4-seed7', 'articles', true);
      const byName = new Map(aimed(segDir).map((m) => [m.name, m]));
      const under = (name: string) => {
        const m = byName.get(name)!;
        const path = join(segDir, m.file);
        const original = readFileSync(path);
        writeFileSync(path, m.bytes);
        try {
          return readLabelsOnly(dir, seg, space, backend);
        } finally {
          writeFileSync(path, original);
        }
      };
      expect(under('a row with maxM0 + 1 neighbours').rows).toMatch(/^element \d+ has \d+ level-0 neighbours, more than maxM0/);
      expect(under('a link past the last element').rows).toMatch(/^element \d+ links to \d+, past the \d+ elements$/);
      // Two bad rows far apart, in chunks of four elements that the two threads share and finish in
      // any order: the verdict names the file's first, as a pass from the start does.
      const level0 = join(segDir, 'data_level0.bin');
      const original = readFileSync(level0);
      const L = layoutOf(readFileSync(join(segDir, 'header.bin')));
      const twoBad = Buffer.from(original);
      twoBad.writeUInt32LE(L.cur + 7, 40 * L.size + 4);
      twoBad.writeUInt16LE(L.cur, 900 * L.size);
      writeFileSync(level0, twoBad);
      try {
        for (const sharing of ['worker-first', 'shared'] as const) {
          expect(readLabelsOnly(dir, seg, space, backend, sharing).rows, sharing).toBe(readLabelsOnly(dir, seg, space, null).rows);
        }
        expect(readLabelsOnly(dir, seg, space, null).rows).toMatch(/^element 40 links to \d+, past the \d+ elements$/);
      } finally {
        writeFileSync(level0, original);
      }
      const nan = under('a NaN component');
      expect(nan.problems.map((p) => p.code)).toContain('hnsw.non-finite-vectors');
      expect(nan.rows).toBeNull();
      for (const name of ['a component of 1e30', 'a vector scaled by 1.5']) {
        const r = under(name);
        expect(r.problems.map((p) => p.code), name).toContain('hnsw.damaged-vectors');
        expect(r.damagedLabels, name).toHaveLength(1);
      }
      expect(under('two elements with one label').problems.map((p) => p.code)).toContain('hnsw.duplicate-labels');
      expect(under('an element marked deleted').problems.map((p) => p.code)).toContain('hnsw.missing-labels');
    });

    it('reads the pickle with the worker, and reads it itself when the file changed after the worker began', () => {
      const { dir, seg, space } = segmentOf('chroma-1.3.4-seed7', 'articles', true);
      const bytes = vi.spyOn(Level0Prescan.prototype, 'pickleBytes');
      const first = readLabelsOnly(dir, seg, space, backend);
      expect(bytes).toHaveBeenCalledTimes(1);
      // Decoded as the chunks arrived: by the end every byte is there.
      expect(bytes.mock.results[0]!.value.buf).toEqual(readFileSync(join(dir, seg, 'index_metadata.pickle')));
      expect(first.usable).toBe(true);

      // A pickle that changes between the worker's start and the decode: the stamp taken before the
      // worker began no longer holds, so its bytes are not used (the reader decodes the file it stamps).
      bytes.mockClear();
      const start = Level0Prescan.start.bind(Level0Prescan);
      vi.spyOn(Level0Prescan, 'start').mockImplementation((...args) => {
        const p = start(...args);
        const file = join(dir, seg, 'index_metadata.pickle');
        const later = new Date(Date.now() + 5000);
        utimesSync(file, later, later);
        return p;
      });
      const again = readLabelsOnly(dir, seg, space, backend);
      expect(bytes).not.toHaveBeenCalled();
      expect(again).toEqual(first);
    });

    it('gives up the pickle’s bytes at once when a chunk cannot be read, so the reader reads the file itself', () => {
      // Through the reader: told a size past the file's end, the worker's last chunk fails, and
      // the reader decodes the file it reads itself, finding what its own pass finds.
      {
        const { dir, seg, space } = segmentOf('chroma-1.3.4-seed7', 'articles', false);
        const own = readLabelsOnly(dir, seg, space, null);
        const start = Level0Prescan.start.bind(Level0Prescan);
        vi.spyOn(Level0Prescan, 'start').mockImplementation((dataFile, lengthFile, header, cosine, pickle, links, opts) =>
          start(dataFile, lengthFile, header, cosine, pickle && { ...pickle, size: pickle.size + 5 * 1024 * 1024 }, links, opts),
        );
        const arrived: unknown[] = [];
        const bytes = vi.spyOn(Level0Prescan.prototype, 'pickleBytes');
        const beside = readLabelsOnly(dir, seg, space, backend);
        expect(bytes).toHaveBeenCalledTimes(1);
        const { arrive } = bytes.mock.results[0]!.value!;
        try {
          arrive(Number.MAX_SAFE_INTEGER);
        } catch (e) {
          arrived.push(e);
        }
        expect(arrived).toEqual([PICKLE_NOT_READ]);
        expect(beside).toEqual(own);
        vi.restoreAllMocks();
      }
      const { segDir } = segmentOf('chroma-1.3.4-seed7', 'articles', false);
      const header = readHeaderFile(segDir, 'header.bin');
      const file = join(segDir, 'index_metadata.pickle');
      // The size it is told is past the file's end (as if the file shrank after the stat): the last
      // chunk's read fails, and the answer comes without waiting for a stall (the test's timeout).
      const size = readFileSync(file).length + 20 * 1024 * 1024;
      process.env[PRESCAN_ENV] = backend;
      const p = Level0Prescan.start(join(segDir, 'data_level0.bin'), null, header, false, { file, size, stamp: 'x' })!;
      try {
        expect(p).not.toBeNull();
        const { arrive } = p.pickleBytes()!;
        expect(() => arrive(size)).toThrow(PICKLE_NOT_READ);
        // The level-0 pass is unaffected.
        expect(p.finish('test')?.labels.length).toBe(header.curElementCount);
      } finally {
        p.close();
      }
      // Well under the 15-s stall the worker would otherwise be given up after.
    }, 10_000);

    it('drops the worker when header.bin changes after it began, and reads the files as they now are', () => {
      const { dir, seg, space } = segmentOf('chroma-1.3.4-seed7', 'articles', true);
      const headerFile = join(dir, seg, 'header.bin');
      const original = readFileSync(headerFile);
      // One element fewer in use: a layout the worker did not scan.
      const shorter = Buffer.from(original);
      shorter.writeBigUInt64LE(original.readBigUInt64LE(20) - 1n, 20);
      const start = Level0Prescan.start.bind(Level0Prescan);
      vi.spyOn(Level0Prescan, 'start').mockImplementation((...args) => {
        const p = start(...args);
        writeFileSync(headerFile, shorter);
        return p;
      });
      const finish = spyOnSteps(Level0Prescan.prototype, 'finishSteps');
      const changed = readLabelsOnly(dir, seg, space, backend);
      expect(finish.started()).toBe(0);
      vi.restoreAllMocks();
      expect(changed).toEqual(readLabelsOnly(dir, seg, space, null));
    });

    it('reports the pass’s last step even when the worker was done before the wait', () => {
      const { segDir } = segmentOf('chroma-1.3.4-seed7', 'articles', false);
      const header = readHeaderFile(segDir, 'header.bin');
      process.env[PRESCAN_ENV] = backend;
      const p = Level0Prescan.start(join(segDir, 'data_level0.bin'), null, header, false, null)!;
      expect(p.threadKind).toBe(backend);
      // Long enough for the worker to finish a 1,502-element pass before anyone waits.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      const steps: LoadStep[] = [];
      const found = withLoadProgress((s) => steps.push(s), () => p.finish('Checking'));
      expect(found).not.toBeNull();
      expect(steps.at(-1)).toEqual({ done: header.curElementCount, total: header.curElementCount, message: 'Checking' });
    });

    it('waits for the worker in pauses that give the thread back, when run in slices', async () => {
      const { segDir } = segmentOf('chroma-1.3.4-seed7', 'articles', false);
      const header = readHeaderFile(segDir, 'header.bin');
      process.env[PRESCAN_ENV] = backend;
      const links = { file: join(segDir, 'link_lists.bin'), size: readFileSync(join(segDir, 'link_lists.bin')).length };
      const own = Level0Prescan.start(join(segDir, 'data_level0.bin'), null, header, false, null, links)!;
      const expected = own.linkLists();
      own.close();
      // The addon's thread is held back 30 ms at its start, as a worker's start holds it.
      const p = Level0Prescan.start(join(segDir, 'data_level0.bin'), null, header, false, null, links, { pauseMs: backend === 'native' ? 30 : 0 })!;
      try {
        // Asked at once (the worker takes tens of milliseconds to start): the first step is a pause on
        // the link lists' state, where a blocking wait would have held the thread.
        const steps = p.linkListsSteps();
        const first = steps.next();
        expect(first.done).toBe(false);
        expect(first.value).toMatchObject({ index: 7, value: 0 });
        let turns = 0;
        let counting = setImmediate(function tick() {
          turns++;
          counting = setImmediate(tick);
        });
        try {
          const walked = await runStepsSliced(steps);
          expect(walked).not.toBeNull();
          expect(walked!.used).toBe(expected!.used);
          expect(Array.from(walked!.upperAt)).toEqual(Array.from(expected!.upperAt));
          expect(turns).toBeGreaterThan(0);
        } finally {
          clearImmediate(counting);
        }
        expect(p.finish('Checking')).not.toBeNull();
      } finally {
        p.close();
      }
    });

    it('falls back to the reader’s own pass when the worker is gone', () => {
      const { dir, seg, space } = segmentOf('chroma-1.3.4-seed7', 'articles', false);
      const start = Level0Prescan.start.bind(Level0Prescan);
      const started: (Level0Prescan | null)[] = [];
      vi.spyOn(Level0Prescan, 'start').mockImplementation((...args) => {
        const p = start(...args);
        p?.close();
        started.push(p);
        return p;
      });
      const finish = spyOnSteps(Level0Prescan.prototype, 'finishSteps');
      const r = readLabelsOnly(dir, seg, space, backend);
      expect(started.filter(Boolean)).toHaveLength(1);
      expect(finish.calls[0]!.value).toBeNull();
      expect(r).toEqual(readLabelsOnly(dir, seg, space, null));
    });
  });
}
