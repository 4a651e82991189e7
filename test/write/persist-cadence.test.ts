import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEGMENT_FILES } from '../../src-main/engine/hnsw/segment-files.js';
import { stageBuiltCheckpoint } from '../../src-main/engine/write/checkpoint-build.js';
import {
  prepareVectorPersist,
  prepareVectorPersistSliced,
  publishVectorPersist,
  publishedCheckpointSeq,
  stageVectorPersist,
  vectorCheckpointBase,
  type PreparedPersist,
} from '../../src-main/engine/write/vector-persist.js';
import { checkpointedWriter } from './checkpointed-writer.js';
import { turnCounter } from '../helpers/event-loop.js';
import { purgeWalLater } from '../../src-main/engine/write/wal-purge.js';

/**
 * The persist cadence (write/embedded-folder.ts) decodes the segment's pickle to count the rows
 * above the checkpoint; a persist that starts at once takes that decode over instead of decoding
 * the file again, and after a publish the cadence knows V without reading the new pickle back.
 * Both must give what reading the files gives.
 */
const plan = (p: PreparedPersist) => ({
  ids: [...p.pickle.idToLabel],
  total: p.pickle.totalElementsAdded,
  lastSeq: p.lastSeq,
  deleteLabels: p.plan.deleteLabels,
  inserts: p.plan.inserts.map((i) => i.label),
  newCount: p.plan.newCount,
});

describe('the persist cadence', () => {
  it("hands its decoded pickle to the persist, which then prepares what a read of the files prepares", async () => {
    const { w, target, write, rows } = await checkpointedWriter('chroma-inspector-cadence-', 150, 20);
    try {
      write('DELETE', [{ id: 'b1-r3' }]);
      const base = vectorCheckpointBase(w, target);
      expect(base.pickle).not.toBeNull();
      expect(plan(prepareVectorPersist(w, target, base.pickle)!)).toEqual(plan(prepareVectorPersist(w, target)!));

      // A decode from before the checkpoint moved is not used: the persist reads the new files.
      const p = prepareVectorPersist(w, target)!;
      publishVectorPersist(w, p, await stageVectorPersist(w, p));
      w.checkpoints.clear(); // no memo: the files (or the stale decode) are all there is
      write('ADD', rows(3, 5));
      const fromStale = plan(prepareVectorPersist(w, target, base.pickle)!);
      w.checkpoints.clear();
      expect(fromStale).toEqual(plan(prepareVectorPersist(w, target)!));
      expect(fromStale.ids.some(([id]) => id === 'b2-r0')).toBe(true);
    } finally {
      w.close();
    }
  });

  it('knows V after a publish as a read of the published files gives it: the last seq, or 0 once no id is left', async () => {
    const { w, target, write } = await checkpointedWriter('chroma-inspector-cadence-', 40, 5);
    try {
      const persist = async () => {
        const p = prepareVectorPersist(w, target)!;
        publishVectorPersist(w, p, await stageVectorPersist(w, p));
        return p;
      };
      const first = await persist();
      expect(publishedCheckpointSeq(first)).toBeGreaterThan(0);
      expect(publishedCheckpointSeq(first)).toBe(vectorCheckpointBase(w, target).seq);

      write('DELETE', [...first.pickle.idToLabel.keys()].map((id) => ({ id })));
      const emptied = await persist();
      expect(vectorCheckpointBase(w, target).seq).toBe(0);
      expect(publishedCheckpointSeq(emptied)).toBe(0);
    } finally {
      w.close();
    }
  });

  it("removes the published checkpoint's old folder in the background, and backgroundDone waits for it", async () => {
    const { dir, w, target } = await checkpointedWriter('chroma-inspector-cadence-', 60, 10);
    const leftovers = () => readdirSync(dir).filter((n) => /\.(prev|next|trash)-/.test(n));
    try {
      const p = prepareVectorPersist(w, target)!;
      publishVectorPersist(w, p, await stageVectorPersist(w, p));
      await w.backgroundDone();
      expect(leftovers()).toEqual([]);
      expect(readdirSync(join(dir, target.vectorSegmentId)).sort()).toEqual([...SEGMENT_FILES].sort());
      // A removal that fails (the folder is already gone) does not reject; nothing is left waiting.
      w.removeLater(join(dir, 'no-such-folder.trash-000000'));
      await w.backgroundDone();
    } finally {
      w.close();
    }
  });

  it('purges the WAL rows a checkpoint holds after the call that published it, a bounded number per transaction, and backgroundDone waits for it', async () => {
    const { w, target } = await checkpointedWriter('chroma-inspector-cadence-', 60, 10);
    const walRows = () => Number(w.db.prepare('SELECT count(*) FROM embeddings_queue').pluck().get());
    try {
      const p = prepareVectorPersist(w, target)!;
      const before = walRows();
      expect(before).toBeGreaterThan(10);
      publishVectorPersist(w, p, await stageVectorPersist(w, p));
      expect(walRows(), 'not in the publishing call').toBe(before);
      await w.backgroundDone();
      expect(walRows(), 'down to min(M, V), the row at it kept').toBe(1);
      // In pieces: V moved by hand above ten more rows, purged three a turn.
      const { target: more, w: w2 } = await checkpointedWriter('chroma-inspector-cadence-', 60, 10);
      try {
        const rowsOf = () => Number(w2.db.prepare('SELECT count(*) FROM embeddings_queue').pluck().get());
        const m = w2.readSeq(more.metadataSegmentId)!;
        w2.immediate(() => w2.setSeq(more.vectorSegmentId, m));
        // The rows left after each of the purge's transactions, and the turn of the event loop each ran in.
        const left: number[] = [];
        const turns: number[] = [];
        const turn = turnCounter();
        const commit = w2.unseenCommit;
        w2.unseenCommit = (fn) => {
          const done = commit(fn);
          left.push(rowsOf());
          turns.push(turn.turns());
          return done;
        };
        const start = rowsOf();
        purgeWalLater(w2, more, 3);
        await w2.backgroundDone();
        turn.stop();
        // Every row below M goes (the one at M stays), three a transaction, until one finds fewer.
        const want: number[] = [];
        for (let rows = start; ; ) {
          const deleted = Math.min(3, rows - 1);
          rows -= deleted;
          want.push(rows);
          if (deleted < 3) break;
        }
        expect(want.length).toBeGreaterThan(2);
        expect(left).toEqual(want);
        // Each on a turn of its own (how many turns between them depends on the process check's verdict).
        expect(new Set(turns).size).toBe(turns.length);
      } finally {
        w2.close();
      }
    } finally {
      w.close();
    }
  });

  it("a write's own purge deletes at most 5,000 rows; the rest goes with later writes", async () => {
    const { w, target, write, rows } = await checkpointedWriter('chroma-inspector-cadence-', 60, 0);
    try {
      // 5,400 rows in the WAL in batches a write takes, then V moved above them by hand.
      for (let b = 0; b < 6; b++) write('ADD', rows(10 + b, 900));
      w.immediate(() => w.setSeq(target.vectorSegmentId, w.readSeq(target.metadataSegmentId)!));
      const walRows = () => Number(w.db.prepare('SELECT count(*) FROM embeddings_queue').pluck().get());
      const before = walRows();
      write('ADD', rows(20, 1));
      // One row more, at most 5,000 fewer (every row below M and V may go; the one at M stays).
      expect(walRows()).toBe(before + 1 - 5000);
      write('ADD', rows(21, 1));
      expect(walRows()).toBeLessThan(before + 2 - 5000);
    } finally {
      w.close();
    }
  });

  it('a persist cancelled while its pickle is written leaves no staging folder behind', async () => {
    const { dir, w, target } = await checkpointedWriter('chroma-inspector-cadence-', 60, 10);
    try {
      const p = prepareVectorPersist(w, target)!;
      const abort = new AbortController();
      // The build is done when the pickle's fields are asked for: the cancel comes during the pickle's write.
      const fields = () => {
        abort.abort();
        return p.pickle;
      };
      await expect(stageBuiltCheckpoint(dir, target.vectorSegmentId, p.plan, p.norms, fields, { signal: abort.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(readdirSync(dir).filter((n) => /\.(prev|next|trash)-/.test(n))).toEqual([]);
    } finally {
      w.close();
    }
  });

  it('a publish whose seq cannot be moved still removes the old folder, and the next persist replays onto the new one', async () => {
    const { dir, w, target, write, rows } = await checkpointedWriter('chroma-inspector-cadence-', 60, 10);
    try {
      const p = prepareVectorPersist(w, target)!;
      const staging = await stageVectorPersist(w, p);
      const immediate = w.immediate.bind(w);
      w.immediate = () => {
        throw new Error('SQLITE_BUSY: database is locked');
      };
      expect(() => publishVectorPersist(w, p, staging)).toThrow(/SQLITE_BUSY/);
      w.immediate = immediate;
      await w.backgroundDone();
      expect(readdirSync(dir).filter((n) => /\.(prev|next|trash)-/.test(n))).toEqual([]);
      // The new checkpoint is in place with the old seq: the rows above it replay onto it.
      write('ADD', rows(3, 4));
      const next = prepareVectorPersist(w, target)!;
      expect(next.pickle.idToLabel.size).toBe(74);
      publishVectorPersist(w, next, await stageVectorPersist(w, next));
      await w.backgroundDone();
      expect(vectorCheckpointBase(w, target).seq).toBe(next.lastSeq);
    } finally {
      w.close();
    }
  });

  it('prepares in slices what the one-piece prepare prepares, rows written between the slices included', async () => {
    const { w, target, write, rows } = await checkpointedWriter('chroma-inspector-cadence-', 300, 20);
    try {
      write('DELETE', [{ id: 'b1-r3' }]);
      // Another call's writes, landing whenever the prepare gives the thread back.
      let batch = 3;
      let writing = setImmediate(function more() {
        write('ADD', rows(batch++, 4));
        writing = setImmediate(more);
      });
      let sliced: PreparedPersist;
      try {
        sliced = (await prepareVectorPersistSliced(w, target, null, undefined, 0))!;
      } finally {
        clearImmediate(writing);
      }
      const written = batch - 3;
      expect(written).toBeGreaterThan(0);
      // The tail is read last: every row written while the checkpoint was read is in it.
      const ids = new Set(sliced.pickle.idToLabel.keys());
      for (let b = 3; b < batch; b++) expect(ids.has(`b${b}-r3`)).toBe(true);
      expect(ids.has('b1-r3')).toBe(false);
      expect(plan(sliced)).toEqual(plan(prepareVectorPersist(w, target)!));

      const abort = new AbortController();
      abort.abort();
      await expect(prepareVectorPersistSliced(w, target, null, abort.signal, 0)).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      w.close();
    }
  });

  it('replays a long tail in slices too: the thread turns every 1,024 rows, and the plan is the one-piece one', async () => {
    const { w, target, write, rows } = await checkpointedWriter('chroma-inspector-cadence-', 300, 0);
    try {
      const prepared = async () => {
        const counter = turnCounter();
        const p = (await prepareVectorPersistSliced(w, target, null, undefined, 0))!;
        counter.stop();
        return { turns: counter.turns(), p };
      };
      write('ADD', rows(3, 10));
      const short = await prepared();
      // The same checkpoint read in the same slices, and a tail 3,000 rows longer.
      write('ADD', rows(4, 3000));
      const long = await prepared();
      expect(long.turns - short.turns).toBeGreaterThanOrEqual(2);
      expect(plan(long.p)).toEqual(plan(prepareVectorPersist(w, target)!));
      expect(long.p.plan.inserts).toHaveLength(3010);
    } finally {
      w.close();
    }
  });
});
