import { describe, expect, it } from 'vitest';
import { EditedIdMap } from '../../../src-main/engine/hnsw/edited-id-map.js';
import { decodeRustIndexMetadata } from '../../../src-main/engine/hnsw/index-metadata-fast.js';
import { decodeIndexMetadata } from '../../../src-main/engine/hnsw/index-metadata.js';
import { PickleIdMap } from '../../../src-main/engine/hnsw/pickle-id-map.js';
import { readPickle } from '../../../src-main/engine/hnsw/pickle-reader.js';
import { writePersistentDataPickle } from '../../../src-main/engine/write/pickle-writer.js';

/**
 * A persist edits the checkpoint's id_to_label beside the pickle's bytes (hnsw/edited-id-map.ts)
 * instead of copying it into a Map. It must behave as the copy would, entry order included (the
 * pickle is written in that order), and write the same pickle bytes.
 */
const ODD_IDS = ['ünïcödé', '日本語', '', 'x'.repeat(300), '🙂-emoji'];

/** id_to_label as a persist reads it: a pickle written and decoded by the fast decoder (a PickleIdMap over its bytes). */
function checkpointIds(n: number) {
  const ids = new Map<string, number>();
  for (let i = 0; i < n; i++) ids.set(i < ODD_IDS.length ? ODD_IDS[i]! : `rec-${i}`, 2 * i + 1);
  const buf = writePersistentDataPickle({ dimensionality: 4, totalElementsAdded: 2 * n, maxSeqId: 7, idToLabel: ids, idToSeqId: new Map() });
  const meta = decodeRustIndexMetadata(buf);
  expect(meta?.idToLabel).toBeInstanceOf(PickleIdMap);
  return { plain: ids, read: meta!.idToLabel as PickleIdMap };
}

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('EditedIdMap: a checkpoint id map edited without copying it', () => {
  it('answers as a Map copy would through any mix of sets and deletes, in the same order, and leaves the pickle map unbuilt', () => {
    const { plain, read } = checkpointIds(400);
    const edited = EditedIdMap.over(read);
    expect(edited).toBeInstanceOf(EditedIdMap);
    const copy = new Map(plain);
    const rnd = random(14);
    const pool = [...plain.keys(), ...Array.from({ length: 100 }, (_, i) => `new-${i}`), 'ünïcödé-2', ''];
    let label = 10_000;
    for (let step = 0; step < 3000; step++) {
      const id = pool[Math.floor(rnd() * pool.length)]!;
      if (rnd() < 0.45) {
        expect(edited.delete(id)).toBe(copy.delete(id));
      } else {
        edited.set(id, ++label);
        copy.set(id, label);
      }
      const probe = pool[Math.floor(rnd() * pool.length)]!;
      expect(edited.get(probe)).toBe(copy.get(probe));
      expect(edited.has(probe)).toBe(copy.has(probe));
      expect(edited.size).toBe(copy.size);
      if (step % 500 === 0) expect([...edited]).toEqual([...copy]);
    }
    expect([...edited.entries()]).toEqual([...copy.entries()]);
    expect([...edited.keys()]).toEqual([...copy.keys()]);
    expect([...edited.values()]).toEqual([...copy.values()]);
    const walked: [string, number][] = [];
    edited.forEach((v, k) => walked.push([k, v]));
    expect(walked).toEqual([...copy]);
    expect(read.unbuilt).toBe(true);
  });

  it('is written to the same pickle bytes as the Map copy, and Python-form readers read the edits', () => {
    const { plain, read } = checkpointIds(2_500);
    const edited = EditedIdMap.over(read);
    const copy = new Map(plain);
    for (const m of [edited, copy]) {
      m.delete('rec-7');
      m.set('rec-9', 8888); // a new label in place
      m.delete('日本語');
      m.set('added-ü', 9001);
      m.delete('x'.repeat(300));
      m.set('x'.repeat(300), 9002); // deleted and added again: moves to the end
      m.set('y'.repeat(260), 9003); // a long new id (BINUNICODE)
    }
    const fields = (idToLabel: Map<string, number>) => ({ dimensionality: 4, totalElementsAdded: 9003, maxSeqId: 12, idToLabel, idToSeqId: new Map() });
    const written = writePersistentDataPickle(fields(edited));
    expect(written.equals(writePersistentDataPickle(fields(copy)))).toBe(true);
    const general = decodeIndexMetadata(readPickle(written, 't.pickle'), 't.pickle');
    expect([...general.idToLabel]).toEqual([...copy]);
    expect(general.labelToId.get(9002)).toBe('x'.repeat(300));
    expect(general.idToLabel.has('rec-7')).toBe(false);
    expect(general.idToLabel.get('rec-9')).toBe(8888);
  });

  it('copies a map that is no longer the pickle bytes (built, or not a pickle map at all)', () => {
    const { read } = checkpointIds(20);
    read.set('built', 1); // editing builds it
    expect(read.unbuilt).toBe(false);
    const over = EditedIdMap.over(read);
    expect(over).not.toBeInstanceOf(EditedIdMap);
    expect(over.get('built')).toBe(1);
    over.delete('built');
    expect(read.get('built')).toBe(1);
    expect(EditedIdMap.over(new Map([['a', 1]]))).not.toBeInstanceOf(EditedIdMap);
  });

  it('clear() empties it', () => {
    const edited = EditedIdMap.over(checkpointIds(30).read);
    edited.set('n', 1);
    edited.clear();
    expect(edited.size).toBe(0);
    expect([...edited]).toEqual([]);
    expect(edited.get('rec-10')).toBeUndefined();
  });
});
