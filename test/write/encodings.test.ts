import { describe, expect, it } from 'vitest';
import { encodeVector, encodeWalMetadata, floatLiteral } from '../../src-main/engine/write/wal-encode.js';
import { encodePersistentDataPickle, writePersistentDataPickle } from '../../src-main/engine/write/pickle-writer.js';
import { EditedIdMap } from '../../src-main/engine/hnsw/edited-id-map.js';
import { decodeRustIndexMetadata } from '../../src-main/engine/hnsw/index-metadata-fast.js';
import { parseWalMetadata } from '../../src-main/engine/wal/typed-json.js';
import { decodeVector } from '../../src-main/engine/wal/decode-row.js';
import { readPickle } from '../../src-main/engine/hnsw/pickle-reader.js';
import { decodeIndexMetadata, PERSISTENT_DATA_CLASS } from '../../src-main/engine/hnsw/index-metadata.js';
import { typedNumber } from '../../src-main/client/typed-input.js';
import type { TypedValue } from '../../src-main/engine/util/typed-value.js';

const md = (entries: [string, TypedValue | null][]) => new Map(entries);

describe('WAL encoding (docs/format.md §4.2, §4.3)', () => {
  it('vectors are little-endian float32 and read back exactly', () => {
    const v = Float32Array.from([1, -2.5, 1e-8, 3.4e38]);
    const blob = encodeVector(v);
    expect(blob.toString('hex')).toBe(Buffer.from(v.buffer).toString('hex'));
    expect(decodeVector(blob)).toEqual(v);
    // A view into a larger array: only its own floats, as little-endian bytes (1.0 = 00 00 80 3f).
    const view = Float32Array.from([7, 1, -2, 9]).subarray(1, 3);
    expect(encodeVector(view).toString('hex')).toBe('0000803f000000c0');
  });

  it('floats keep their type: 2.0 is written "2.0", not "2"', () => {
    expect(floatLiteral(2)).toBe('2.0');
    expect(floatLiteral(-0)).toBe('-0.0');
    expect(floatLiteral(2.5)).toBe('2.5');
    expect(floatLiteral(1e21)).toBe('1e+21');
    expect(floatLiteral(1.5e-7)).toBe('1.5e-7');
    expect(floatLiteral(1e16)).toBe('10000000000000000.0');
    expect(() => floatLiteral(NaN)).toThrow();
  });

  it('Rust style: compact object, chroma:document and chroma:uri inside, {} when empty', () => {
    const text = encodeWalMetadata(
      {
        metadata: md([
          ['i', { kind: 'int', value: 2n }],
          ['f', { kind: 'float', value: 2 }],
          ['big', { kind: 'int', value: 2n ** 62n }],
          ['b', { kind: 'bool', value: true }],
          ['s', { kind: 'string', value: 'ümlaut "q"' }],
          ['a', { kind: 'array', elementKind: 'float', items: [{ kind: 'float', value: 1 }, { kind: 'float', value: 2.5 }] }],
          ['gone', null],
        ]),
        document: 'doc 🙂',
        uri: 'u',
      },
      'rust',
    );
    expect(text).toBe(
      '{"i":2,"f":2.0,"big":4611686018427387904,"b":true,"s":"ümlaut \\"q\\"","a":[1.0,2.5],"gone":null,"chroma:document":"doc 🙂","chroma:uri":"u"}',
    );
    const back = parseWalMetadata(text!);
    expect(back.values.get('i')).toEqual({ kind: 'int', value: 2n });
    expect(back.values.get('f')).toEqual({ kind: 'float', value: 2 });
    expect(back.values.get('big')).toEqual({ kind: 'int', value: 2n ** 62n });
    expect(back.values.get('a')).toEqual({ kind: 'array', elementKind: 'float', items: [{ kind: 'float', value: 1 }, { kind: 'float', value: 2.5 }] });
    expect(back.nulls).toEqual(['gone']);
    expect(encodeWalMetadata({ metadata: null }, 'rust')).toBe('{}');
  });

  it('Python style: json.dumps separators, ASCII only, NULL when empty', () => {
    expect(encodeWalMetadata({ metadata: md([['k', { kind: 'string', value: 'é' }], ['n', { kind: 'int', value: 1n }]]) }, 'python')).toBe(
      '{"k": "\\u00e9", "n": 1}',
    );
    expect(encodeWalMetadata({ metadata: null }, 'python')).toBeNull();
    expect(JSON.parse(encodeWalMetadata({ metadata: null, document: '日本' }, 'python')!)).toEqual({ 'chroma:document': '日本' });
  });

  it('JS numbers are typed as Chroma types them after the chromadb client sent them', () => {
    expect(typedNumber(2)).toEqual({ kind: 'int', value: 2n });
    expect(typedNumber(2.0)).toEqual({ kind: 'int', value: 2n }); // JSON.stringify(2.0) === "2"
    expect(typedNumber(2.5)).toEqual({ kind: 'float', value: 2.5 });
    expect(typedNumber(1e21)).toEqual({ kind: 'float', value: 1e21 });
    expect(typedNumber(-0)).toEqual({ kind: 'int', value: 0n });
    expect(typedNumber(2n ** 70n).kind).toBe('float');
  });
});

describe('index_metadata.pickle writer (Python class form, docs/format.md §6.7)', () => {
  it('round-trips through the reader, large maps and long strings included', () => {
    const idToLabel = new Map<string, number>();
    const idToSeqId = new Map<string, number>();
    for (let i = 1; i <= 2500; i++) {
      // 85 three-byte chars are 255 bytes (the longest SHORT_BINUNICODE); 86 need BINUNICODE.
      const id = i === 7 ? 'x'.repeat(300) : i === 8 ? 'ümlaut-日本-🙂' : i === 10 ? 'あ'.repeat(85) : i === 11 ? 'あ'.repeat(86) : i === 12 ? '🙂'.repeat(42) : `id-${i}`;
      idToLabel.set(id, i * 3);
      idToSeqId.set(id, i === 9 ? 2 ** 33 : 70000 + i);
    }
    const buf = writePersistentDataPickle({ dimensionality: 384, totalElementsAdded: 7600, maxSeqId: 2 ** 40, idToLabel, idToSeqId });
    expect(buf[0]).toBe(0x80);
    expect(buf[1]).toBe(4);
    const meta = decodeIndexMetadata(readPickle(buf, 'test.pickle'), 'test.pickle');
    expect(meta.summary.form).toBe('python-class');
    expect(meta.summary.className).toBe(PERSISTENT_DATA_CLASS);
    expect(meta.dimensionality).toBe(384);
    expect(meta.totalElementsAdded).toBe(7600);
    expect(meta.maxSeqId).toBe(2 ** 40);
    expect(meta.idToLabel).toEqual(idToLabel);
    expect(meta.labelToId.get(21)).toBe('x'.repeat(300));
    // Rust reads id_to_seq_id as u32: a larger value is left out rather than breaking its load.
    expect(meta.summary.idToSeqIdCount).toBe(2499);
  });

  it('encodes the same bytes in slices, giving the thread back between them, and stops when cancelled', async () => {
    const idToLabel = new Map<string, number>();
    const idToSeqId = new Map<string, number>();
    for (let i = 1; i <= 40_000; i++) {
      const id = i % 997 === 0 ? `ü-${i}` : `id-${i}`;
      idToLabel.set(id, i);
      idToSeqId.set(id, i + 5);
    }
    const fields = { dimensionality: 8, totalElementsAdded: 40_000, maxSeqId: 41_000, idToLabel, idToSeqId };
    // A persist's map over a checkpoint's pickle, with edits: copied bytes and added ids, in slices.
    const edited = EditedIdMap.over(decodeRustIndexMetadata(writePersistentDataPickle(fields))!.idToLabel);
    const copy = new Map(idToLabel);
    for (const m of [edited, copy]) {
      m.delete('id-3');
      m.set('added', 40_001);
    }
    // Another task on the thread: it gets turns only while the encode gives the thread back.
    let turns = 0;
    let counting = setImmediate(function tick() {
      turns++;
      counting = setImmediate(tick);
    });
    try {
      for (const [a, b] of [
        [fields, fields],
        [{ ...fields, idToLabel: edited }, { ...fields, idToLabel: copy }],
      ] as const) {
        const before = turns;
        const sliced = await encodePersistentDataPickle(a, undefined, 0);
        expect(sliced.length, 'in chunks, not joined').toBeGreaterThan(1);
        expect(Buffer.concat(sliced).equals(writePersistentDataPickle(b))).toBe(true);
        expect(turns).toBeGreaterThan(before);
      }
    } finally {
      clearImmediate(counting);
    }
    const abort = new AbortController();
    abort.abort();
    await expect(encodePersistentDataPickle(fields, abort.signal, 0)).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('writes an empty map as a bare EMPTY_DICT', () => {
    const buf = writePersistentDataPickle({ dimensionality: 3, totalElementsAdded: 0, maxSeqId: 0, idToLabel: new Map(), idToSeqId: new Map() });
    const meta = decodeIndexMetadata(readPickle(buf, 't'), 't');
    expect(meta.idToLabel.size).toBe(0);
  });
});
