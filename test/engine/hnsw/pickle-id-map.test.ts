import { describe, expect, it } from 'vitest';
import { PickleIdMap } from '../../../src-main/engine/hnsw/pickle-id-map.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { idLayout } from '../../helpers/id-layout.js';

/** Ids laid out back to back in one buffer, as the pickle holds them (after two other bytes), with their byte ranges and labels. */
function layout(ids: (string | Buffer)[]) {
  return { ...idLayout(ids, 2), labels: Float64Array.from(ids.map((_, i) => 10 + i)) };
}

const build = (ids: (string | Buffer)[]) => {
  const l = layout(ids);
  return PickleIdMap.build(l.buf, l.idStart, l.idEnd, l.labels);
};

describe('PickleIdMap: id_to_label over the pickle bytes', () => {
  const ids = ['a', 'b', 'doc-1', 'doc-10', 'ünïcödé', '日本語', '', 'x'.repeat(300)];

  it('answers get/has/size like a Map of the same entries, before and after it builds itself', () => {
    const m = build(ids)!;
    const expected = new Map(ids.map((id, i) => [id, 10 + i]));
    expect(m.size).toBe(expected.size);
    for (const [id, label] of expected) {
      expect(m.get(id)).toBe(label);
      expect(m.has(id)).toBe(true);
    }
    for (const absent of ['c', 'doc-', 'doc-100', 'ünïcöd', '\ud800']) {
      expect(m.get(absent)).toBeUndefined();
      expect(m.has(absent)).toBe(false);
    }
    // Iterating builds the real Map; everything still agrees.
    expect(new Map(m)).toEqual(expected);
    expect([...m.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(m.get('doc-10')).toBe(13);
    expect(m.size).toBe(expected.size);
  });

  it('is editable as a Map (the WAL tail replay edits it in place)', () => {
    const m = build(ids)!;
    m.set('new', 99);
    expect(m.delete('a')).toBe(true);
    expect(m.get('new')).toBe(99);
    expect(m.has('a')).toBe(false);
    expect(m.size).toBe(ids.length);
    expect(m.get('b')).toBe(11);
  });

  it('keeps answering correctly past the lookup count where it builds itself', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `r${i}`);
    const m = build(many)!;
    for (let i = 0; i < many.length; i++) expect(m.get(`r${i}`)).toBe(10 + i);
    expect(m.get('r10000')).toBeUndefined();
  });

  it('gives up (null) on a repeated id or an id that is not valid UTF-8', () => {
    expect(build(['a', 'b', 'a'])).toBeNull();
    expect(build(['a', Buffer.from([0x61, 0xff])])).toBeNull();
    expect(build(['a', Buffer.from([0xe6, 0x97])])).toBeNull();
    expect(build([])!.size).toBe(0);
  });

  it('moves the ids out of the pickle into a buffer of their own, answering the same before, between and after its steps', () => {
    // Ids amid other bytes, as in a pickle: labels and label_to_id's copy of every id.
    const many = Array.from({ length: 300_000 }, (_, i) => (i % 7 === 0 ? `日本-${i}` : `r${i}`));
    const parts: Buffer[] = [];
    const idStart = new Int32Array(many.length);
    const idEnd = new Int32Array(many.length);
    let at = 0;
    many.forEach((id, i) => {
      const filler = Buffer.alloc(40, 0x7e);
      const bytes = Buffer.from(id, 'utf8');
      parts.push(filler, bytes);
      idStart[i] = at + filler.length;
      idEnd[i] = idStart[i]! + bytes.length;
      at = idEnd[i]!;
    });
    const pickle = Buffer.concat(parts);
    const labels = Float64Array.from(many, (_, i) => 3 * i);
    const m = PickleIdMap.build(pickle, idStart, idEnd, labels)!;
    const idOf = m.idReader();
    const agrees = () => {
      for (let i = 0; i < many.length; i += 4999) {
        expect(m.get(many[i]!)).toBe(3 * i);
        expect(idOf(i)).toBe(many[i]);
        expect(m.idOfEntry(i)).toBe(many[i]);
      }
      expect(m.get('r1x')).toBeUndefined();
    };
    const steps = m.compactIdsSteps();
    let pauses = 0;
    while (!steps.next().done) {
      pauses++;
      agrees();
    }
    expect(pauses).toBeGreaterThanOrEqual(2);
    agrees();
    // Once: a second run (the load after a first query asks again) changes nothing.
    const before = m.idReader();
    expect(m.compactIdsSteps().next().done).toBe(true);
    expect(before(7)).toBe(many[7]);
    // Every entry's bytes, now from the new buffer: exactly the ids, back to back, and nothing of the pickle.
    const seen: string[] = [];
    let owner: Buffer | null = null;
    m.forEachEntryBytes(null, (buf, start, end, e, label) => {
      owner ??= buf;
      expect(buf).toBe(owner);
      expect(label).toBe(3 * e);
      seen.push(buf.toString('utf8', start, end));
    });
    expect(seen).toEqual(many);
    expect(owner!.buffer).not.toBe(pickle.buffer);
    expect(owner!.length).toBe(many.reduce((n, id) => n + Buffer.byteLength(id), 0));
    // A map built into a real Map since still reads ids (label → id) from the compacted bytes.
    m.set('extra', -1);
    expect(idOf(5)).toBe(many[5]);
    expect(m.get('extra')).toBe(-1);
    expect(m.get(many[6]!)).toBe(18);
  });

  it('leaves bytes that are mostly ids where they are', () => {
    const l = layout(['alpha', 'beta', 'gamma']);
    const m = PickleIdMap.build(l.buf, l.idStart, l.idEnd, l.labels)!;
    runSteps(m.compactIdsSteps());
    let owner: Buffer | null = null;
    m.forEachEntryBytes(null, (buf) => (owner = buf));
    expect(owner).toBe(l.buf);
    expect(m.get('beta')).toBe(11);
  });

  it('after a run that threw (its fresh buffer not allocated), is unchanged and compacts on the next run', () => {
    // Ids amid filler, so that compacting is worth it.
    const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`);
    const parts: Buffer[] = [];
    const idStart = new Int32Array(ids.length);
    const idEnd = new Int32Array(ids.length);
    let at = 0;
    ids.forEach((id, i) => {
      parts.push(Buffer.alloc(30), Buffer.from(id));
      idStart[i] = at + 30;
      idEnd[i] = idStart[i]! + id.length;
      at = idEnd[i]!;
    });
    const pickle = Buffer.concat(parts);
    const m = PickleIdMap.build(pickle, idStart, idEnd, Float64Array.from(ids, (_, i) => i))!;
    const alloc = Buffer.allocUnsafeSlow;
    Buffer.allocUnsafeSlow = () => {
      throw new RangeError('Array buffer allocation failed');
    };
    try {
      expect(() => runSteps(m.compactIdsSteps())).toThrow(RangeError);
    } finally {
      Buffer.allocUnsafeSlow = alloc;
    }
    const ownerOf = () => {
      let owner: Buffer | null = null;
      m.forEachEntryBytes(null, (buf) => (owner ??= buf));
      return owner!;
    };
    expect(ownerOf()).toBe(pickle);
    expect(m.get('id-7')).toBe(7);
    runSteps(m.compactIdsSteps());
    expect(ownerOf()).not.toBe(pickle);
    expect(ownerOf().toString()).toBe(ids.join(''));
    expect(m.get('id-7')).toBe(7);
  });
});
