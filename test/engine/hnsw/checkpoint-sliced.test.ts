import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Space } from '../../../shared/models.js';
import { readCheckpoint, readCheckpointSliced, type CheckpointOptions, type CheckpointResult } from '../../../src-main/engine/hnsw/checkpoint.js';
import { Level0Prescan, PRESCAN_ENV } from '../../../src-main/engine/hnsw/level0-prescan.js';
import { spyOnSteps } from '../../helpers/spy-steps.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';
import { fixtureSegment } from '../../helpers/fixture-segment.js';
import { mutants } from '../../helpers/segment-mutants.js';
import { openFilesIn } from '../../helpers/event-loop.js';

/**
 * A writer's persist and an embedded client's first query read the checkpoint in slices of their
 * thread (readCheckpointSliced), between other calls; the query's labels-only read waits for its
 * pre-scan worker in pauses rather than by blocking. Whatever the files hold, each must find
 * exactly what the one-piece read finds with its own pass over data_level0.bin: the same
 * problems, maps, labels and vectors. Each case reads one segment both ways, sound and under
 * every mutant of the damage suite.
 */

const TARGETS = [
  { fixture: 'chroma-1.3.4-seed7', collection: 'articles' },
  { fixture: 'workload-1.3.4-seed7', collection: 'sensors' },
];

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const segmentCopy = (fixture: string, collection: string) => fixtureSegment(fixture, collection, temps);

/**
 * A sink that keeps what it is handed: label, element, the vector's first component and norm; or,
 * labels-only (what a first query reads), label and element, with the link lists and row verdict.
 */
function collecting(labelsOnly = false) {
  const handed: (number | string | null)[] = [];
  const sink: CheckpointOptions['sink'] = labelsOnly
    ? {
        labelsOnly: true,
        vector: (label, _buf, _offset, _norm, id) => handed.push(label, id),
        linkLists: (buf, upperAt) => handed.push(buf.length, upperAt.reduce((a, b) => (a * 31 + b) % 1_000_003, 0)),
        rows: (problem) => handed.push(problem),
      }
    : { vector: (label, buf, offset, norm, id) => handed.push(label, id, buf.readFloatLE(offset), norm ?? -1) };
  return { sink, handed };
}

function observed(r: CheckpointResult, handed: unknown[]) {
  return {
    usable: r.usable,
    header: r.header,
    pickle: r.pickle,
    problems: r.problems,
    maxSeqId: r.maxSeqId,
    idToLabel: [...r.idToLabel],
    labelToId: [...r.labelToId],
    totalElementsAdded: r.totalElementsAdded,
    deletedCount: r.deletedCount,
    phantomLabels: r.phantomLabels,
    maxGraphLabel: r.maxGraphLabel,
    damagedLabels: [...r.damagedLabels].sort((a, b) => a - b),
    deadLabels: [...r.deadLabels].sort((a, b) => a - b),
    graphUsable: r.graphUsable,
    handed,
  };
}

/** One-piece with this thread's own pass, and sliced (labels-only: beside the pass on another thread, `beside`). */
async function bothWays(dir: string, seg: string, space: Space, labelsOnly: boolean, beside: 'worker' | 'native') {
  const whole = collecting(labelsOnly);
  const sliced = collecting(labelsOnly);
  process.env[PRESCAN_ENV] = 'off';
  const a = readCheckpoint(dir, seg, { space, sink: whole.sink });
  process.env[PRESCAN_ENV] = beside;
  const prescans = spyOnSteps(Level0Prescan.prototype, 'finishSteps');
  try {
    // Slices of no length: a pause at every step, the most interleaving there can be.
    const b = await readCheckpointSliced(dir, seg, { space, sink: sliced.sink }, { sliceMs: 0 });
    return { whole: observed(a, whole.handed), sliced: observed(b, sliced.handed), workerAnswered: prescans.calls.some((c) => c.value !== null) };
  } finally {
    prescans.restore();
    delete process.env[PRESCAN_ENV];
  }
}

describe('a checkpoint read in slices finds what the one-piece read finds', () => {
  for (const target of TARGETS) {
    for (const labelsOnly of [false, true]) {
      for (const beside of labelsOnly ? (['worker', 'native'] as const) : (['native'] as const)) {
        const missing = beside === 'native' ? addonMissing('prescanLevel0', 'prescanStop') : null;
        const name = `${target.fixture} / ${target.collection}, ${labelsOnly ? `labels only, beside the pass (${beside})` : 'taking the vectors'}: sound, and under every mutant`;
        it.skipIf(missing !== null)(addonSuite(name, missing), async () => {
          const { dir, seg, space, segDir } = segmentCopy(target.fixture, target.collection);
          const sound = await bothWays(dir, seg, space, labelsOnly, beside);
          expect(sound.whole.usable).toBe(true);
          expect(sound.whole.handed.length).toBeGreaterThan(0);
          expect(sound.sliced).toEqual(sound.whole);
          // Labels-only, the worker answered (the sliced read did not fall back to its own pass).
          expect(sound.workerAnswered).toBe(labelsOnly);

          const differ: string[] = [];
          for (const m of mutants(segDir, 9200, null, space)) {
            const path = join(segDir, m.file);
            const original = readFileSync(path);
            writeFileSync(path, m.bytes);
            try {
              const { whole, sliced } = await bothWays(dir, seg, space, labelsOnly, beside);
              if (JSON.stringify(sliced) !== JSON.stringify(whole)) differ.push(m.name);
            } finally {
              writeFileSync(path, original);
            }
          }
          expect(differ).toEqual([]);
        });
      }
    }
  }

  it('gives the thread back between slices, and a cancel stops it with every file it opened closed', async () => {
    const { dir, seg, space, segDir } = segmentCopy('workload-1.3.4-seed7', 'sensors');
    let turns = 0;
    let counting = setImmediate(function tick() {
      turns++;
      counting = setImmediate(tick);
    });
    try {
      await readCheckpointSliced(dir, seg, { space, sink: collecting().sink }, { sliceMs: 0 });
      const whole = turns;
      expect(whole).toBeGreaterThan(2);

      // Cancelled while the pass over data_level0.bin holds it open (at its first vector).
      const abort = new AbortController();
      let seenOpen: string[] = [];
      const sink: CheckpointOptions['sink'] = {
        vector: () => {
          if (seenOpen.length > 0) return;
          seenOpen = openFilesIn(segDir);
          abort.abort();
        },
      };
      await expect(readCheckpointSliced(dir, seg, { space, sink }, { signal: abort.signal, sliceMs: 0 })).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(seenOpen.some((f) => f.endsWith('data_level0.bin'))).toBe(true);
      expect(openFilesIn(segDir)).toEqual([]);
    } finally {
      clearImmediate(counting);
    }
  });
});
