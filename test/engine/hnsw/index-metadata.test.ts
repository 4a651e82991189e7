import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import { PERSISTENT_DATA_CLASS, decodeIndexMetadata } from '../../../src-main/engine/hnsw/index-metadata.js';
import { readPickle } from '../../../src-main/engine/hnsw/pickle-reader.js';
import { ARTICLES, INNER, pickleDumps, rustPickle, seed7, type PyValue } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const decodeFile = (file: string) => decodeIndexMetadata(readPickle(fs.readFileSync(file), 'p'), 'p');
const decodeBuf = (buf: Buffer) => decodeIndexMetadata(readPickle(buf, 'seg/index_metadata.pickle'), 'seg/index_metadata.pickle');

function corruptMessage(buf: Buffer): string {
  try {
    decodeBuf(buf);
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('CORRUPT_PICKLE');
    expect((err as InspectorError).message.startsWith('seg/index_metadata.pickle: ')).toBe(true);
    return (err as InspectorError).message;
  }
  throw new Error('expected CORRUPT_PICKLE');
}

const base: Record<string, PyValue> = {
  dimensionality: 2,
  total_elements_added: 3,
  max_seq_id: 9,
  id_to_label: { a: 1, b: 3 },
  label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [3, 'b']]),
  id_to_seq_id: {},
};
const variant = (patch: Record<string, PyValue | undefined>) => {
  const v: Record<string, PyValue> = { ...base };
  for (const [k, val] of Object.entries(patch)) {
    if (val === undefined) delete v[k];
    else v[k] = val;
  }
  return pickleDumps(v);
};

describe('decodeIndexMetadata', () => {
  for (const proto of [0, 1, 2, 4, 5]) {
    it(`accepts the Python PersistentData class form (protocol ${proto})`, () => {
      const m = decodeFile(path.join(here, 'fixtures', `persistent-data-p${proto}.pickle`));
      expect(m.summary).toEqual({
        form: 'python-class', className: PERSISTENT_DATA_CLASS, dimensionality: 3, totalElementsAdded: 4,
        maxSeqId: 2 ** 40, idToLabelCount: 3, labelToIdCount: 3, idToSeqIdCount: 3,
      });
      expect(m.idToLabel).toEqual(new Map([['a', 1], ['b', 2], ['ü🙂', 4]]));
      expect(m.labelToId.get(4)).toBe('ü🙂');
      expect(m.maxSeqId).toBe(2 ** 40);
      expect(m.totalElementsAdded).toBe(4);
    });
  }

  it('accepts the Rust dict form (Chroma 1.3.4 fixtures)', () => {
    const m = decodeFile(path.join(seed7, ARTICLES, 'index_metadata.pickle'));
    expect(m.summary).toEqual({
      form: 'rust-dict', className: null, dimensionality: null, totalElementsAdded: 1502, maxSeqId: null,
      idToLabelCount: 1349, labelToIdCount: 1349, idToSeqIdCount: 0,
    });
    expect(m.idToLabel.size).toBe(1349);
    for (const [id, label] of m.idToLabel) expect(m.labelToId.get(label)).toBe(id);
    const inner = decodeFile(path.join(seed7, INNER, 'index_metadata.pickle'));
    expect(inner.idToLabel.size).toBe(1000);
    expect(inner.totalElementsAdded).toBe(1000);
  });

  it('accepts a minimal hand-built pickle and empty maps', () => {
    expect(decodeBuf(variant({})).idToLabel).toEqual(new Map([['a', 1], ['b', 3]]));
    const empty = decodeBuf(variant({ id_to_label: {}, label_to_id: {}, total_elements_added: 0 }));
    expect(empty.idToLabel.size).toBe(0);
    // Without total_elements_added the highest label stands in; the summary keeps the absence visible.
    const noTotal = decodeBuf(variant({ total_elements_added: undefined }));
    expect(noTotal.totalElementsAdded).toBe(3);
    expect(noTotal.summary.totalElementsAdded).toBeNull();
  });

  it('rejects wrong shapes with specific messages', () => {
    expect(corruptMessage(pickleDumps([1, 2]))).toMatch(/top-level value is a list, expected a dict or a PersistentData object/);
    expect(corruptMessage(Buffer.from('\x80\x02cx\nC\n)\x81.', 'latin1'))).toMatch(/x\.C object has no state \(no BUILD opcode\)/);
    expect(corruptMessage(Buffer.from('\x80\x02cx\nC\n)\x81]b.', 'latin1'))).toMatch(/x\.C state is a list, expected a dict/);
    expect(corruptMessage(variant({ id_to_label: undefined }))).toMatch(/missing id_to_label/);
    expect(corruptMessage(variant({ id_to_label: [1] }))).toMatch(/id_to_label is a list, expected a dict/);
    expect(corruptMessage(variant({ id_to_label: { a: 'x', b: 3 } }))).toMatch(/id_to_label\["a"\] is "x", expected a non-negative integer/);
    expect(corruptMessage(variant({ id_to_label: { a: -1, b: 3 } }))).toMatch(/id_to_label\["a"\] is int -1/);
    expect(corruptMessage(variant({ id_to_label: new Map<PyValue, PyValue>([[5, 1]]) }))).toMatch(/id_to_label has a key of type int, expected str/);
    expect(corruptMessage(variant({ id_to_label: { a: 1, b: 1 } }))).toMatch(/ids "a" and "b" share label 1/);
    expect(corruptMessage(variant({ label_to_id: new Map<PyValue, PyValue>([[1, 'a']]) }))).toMatch(
      /id_to_label has 2 entries but label_to_id has 1/,
    );
    expect(corruptMessage(variant({ label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [3, 'c']]) }))).toMatch(
      /id_to_label maps "b" to 3 but label_to_id maps 3 to "c"/,
    );
    expect(corruptMessage(variant({ total_elements_added: 2 }))).toMatch(/total_elements_added is 2 but label 3 is in use/);
    expect(corruptMessage(variant({ max_seq_id: 'x' }))).toMatch(/max_seq_id is "x"/);
    expect(corruptMessage(variant({ dimensionality: 1.5 }))).toMatch(/dimensionality is float 1.5/);
  });

  it('builds label_to_id from id_to_label when a pickle lacks it', () => {
    const m = decodeBuf(variant({ label_to_id: undefined }));
    expect(m.labelToId).toEqual(new Map([[1, 'a'], [3, 'b']]));
    expect(m.summary.labelToIdCount).toBe(0);
  });

  it('round-trips the helper pickle writer used by checkpoint tests', () => {
    const m = decodeBuf(rustPickle(new Map([['x', 7]]), 9));
    expect(m.summary.form).toBe('rust-dict');
    expect(m.labelToId.get(7)).toBe('x');
  });
});
