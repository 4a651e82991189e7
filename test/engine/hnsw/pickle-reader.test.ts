import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import {
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleTuple,
  readPickle,
  type PickleDict,
  type PickleValue,
} from '../../../src-main/engine/hnsw/pickle-reader.js';
import { ARTICLES, seed7 } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => fs.readFileSync(path.join(here, 'fixtures', name));

function corrupt(buf: Buffer): InspectorError {
  try {
    readPickle(buf, 'seg/index_metadata.pickle');
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('CORRUPT_PICKLE');
    expect((err as InspectorError).message.startsWith('seg/index_metadata.pickle: ')).toBe(true);
    return err as InspectorError;
  }
  throw new Error('expected CORRUPT_PICKLE');
}

const get = (d: PickleValue, key: PickleValue): PickleValue => {
  expect(d).toBeInstanceOf(Map);
  return (d as PickleDict).get(key)!;
};

describe('readPickle: CPython output, protocols 0–5', () => {
  for (const proto of [0, 1, 2, 3, 4, 5]) {
    it(`decodes scalars, strings, tuples and nesting (protocol ${proto})`, () => {
      const v = readPickle(fixture(`values-p${proto}.pickle`), 'values');
      expect(get(v, 'int')).toEqual([
        0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 9007199254740993n, -(2n ** 70n),
      ]);
      const floats = get(v, 'float') as number[];
      expect(floats[0]).toBe(1.5);
      expect(Object.is(floats[1], -0)).toBe(true);
      expect(floats[2]).toBe(Infinity);
      expect(get(v, 's')).toBe('héllo 🙂\n\\');
      expect(get(v, 'n')).toBeNull();
      expect(get(v, 'bools')).toEqual([true, false]);
      const t = get(v, 't') as PickleTuple;
      expect(t).toBeInstanceOf(PickleTuple);
      expect(t.items.map((x) => (x instanceof PickleTuple ? x.items : x))).toEqual([1, [2, 3], [4, 5, 6], [7, 8, 9, 10], []]);
      const nested = get(v, 'nested');
      expect(get(get(nested, 'x'), 'y')).toEqual([1, 2]);
      expect(get(nested, 7)).toBe('seven');
    });
  }

  it('decodes bytes, bytearray, set and frozenset (protocol 5)', () => {
    const v = readPickle(fixture('extra-p5.pickle'), 'extra');
    expect(get(v, 'b')).toEqual(new Uint8Array([0, 255]));
    expect(get(v, 'ba')).toEqual(new Uint8Array([0x78, 0x79]));
    expect(get(v, 'set')).toEqual(new PickleSet([1], false));
    expect(get(v, 'fs')).toEqual(new PickleSet([2], true));
  });

  for (const proto of [0, 1, 2, 4, 5]) {
    it(`turns a PersistentData instance into an inert placeholder holding its state (protocol ${proto})`, () => {
      const v = readPickle(fixture(`persistent-data-p${proto}.pickle`), 'pd');
      expect(v).toBeInstanceOf(PickleObject);
      const obj = v as PickleObject;
      expect(obj.className).toBe('chromadb.segment.impl.vector.local_persistent_hnsw.PersistentData');
      expect(get(obj.state!, 'max_seq_id')).toBe(2 ** 40);
      expect(get(obj.state!, 'label_to_id')).toEqual(new Map([[1, 'a'], [2, 'b'], [4, 'ü🙂']]));
    });
  }

  it('resolves LONG_BINGET memo references in a large framed pickle', () => {
    const v = readPickle(fixture('persistent-data-300-p5.pickle'), 'big') as PickleObject;
    const labelToId = get(v.state!, 'label_to_id') as PickleDict;
    expect(labelToId.size).toBe(300);
    expect(labelToId.get(300)).toBe('id-299');
  });

  it('reads the Rust serde-pickle dict form written by Chroma 1.3.4', () => {
    const buf = fs.readFileSync(path.join(seed7, ARTICLES, 'index_metadata.pickle'));
    const v = readPickle(buf, 'x');
    expect(v).toBeInstanceOf(Map);
    expect((get(v, 'id_to_label') as PickleDict).size).toBe(1349);
    expect(get(v, 'dimensionality')).toBeNull();
  });
});

describe('readPickle: safety and errors', () => {
  it('never executes: os.system via REDUCE is just a named placeholder', () => {
    const buf = Buffer.concat([Buffer.from('cos\nsystem\n(S\'echo pwned\'\ntR.', 'latin1')]);
    const v = readPickle(buf, 'evil');
    expect(v).toBeInstanceOf(PickleObject);
    expect((v as PickleObject).className).toBe('os.system');
    expect((v as PickleObject).args).toEqual(['echo pwned']);
    const g = readPickle(Buffer.from('\x80\x04\x8c\x02os\x8c\x06system\x93.', 'latin1'), 'g');
    expect(g).toEqual(new PickleGlobal('os', 'system'));
  });

  it('reports every truncation as EOF, naming the file and byte', () => {
    const full = fixture('persistent-data-p5.pickle');
    for (let n = 0; n < full.length; n++) {
      const e = corrupt(full.subarray(0, n));
      expect(e.message).toContain(`truncated at byte ${n} (EOF while parsing`);
      expect(e.details).toMatchObject({ file: 'seg/index_metadata.pickle', offset: n });
    }
  });

  it('reports truncation of the real 60 KB Rust pickle', () => {
    const buf = fs.readFileSync(path.join(seed7, ARTICLES, 'index_metadata.pickle'));
    for (const n of [1, 2, 812, 30000, buf.length - 1]) {
      expect(corrupt(buf.subarray(0, n)).message).toMatch(new RegExp(`truncated at byte ${n} \\(EOF while parsing`));
    }
  });

  it('names unknown opcodes with their offset', () => {
    const e = corrupt(Buffer.from([0x80, 0x04, 0xff, 0x2e]));
    expect(e.message).toBe('seg/index_metadata.pickle: 0xff at byte 2: unknown opcode 0xff');
    expect(e.details).toMatchObject({ offset: 2, opcode: '0xff' });
    expect(corrupt(Buffer.from('\x80\x02Q.', 'latin1')).message).toMatch(/BINPERSID at byte 2: unsupported opcode/);
  });

  it('rejects lengths beyond the input without allocating them', () => {
    const huge8 = Buffer.alloc(11);
    huge8[0] = 0x8d; // BINUNICODE8 with a 2^62 length
    huge8.writeBigUInt64LE(1n << 62n, 1);
    expect(corrupt(huge8).message).toMatch(/EOF while parsing BINUNICODE8 at byte 0/);
    expect(corrupt(Buffer.from([0x58, 0xff, 0xff, 0xff, 0xff, 0x41])).message).toMatch(/EOF while parsing BINUNICODE/);
    expect(corrupt(Buffer.from([0x95, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x4e, 0x2e])).message).toMatch(/EOF while parsing FRAME/);
    const long4 = Buffer.from([0x8b, 0, 0, 0, 0x10, 0x2e]); // LONG4 of 256 MiB
    expect(corrupt(long4).message).toMatch(/LONG4 at byte 0: integer of 268435456 bytes is too large/);
  });

  it('limits MARK nesting', () => {
    expect(corrupt(Buffer.alloc(5000, 0x28)).message).toMatch(/more than 1000 nested MARKs/);
  });

  it('rejects malformed structure', () => {
    expect(corrupt(Buffer.from('u.', 'latin1')).message).toMatch(/SETITEMS at byte 0: no MARK/);
    expect(corrupt(Buffer.from('}(K\x01u.', 'latin1')).message).toMatch(/SETITEMS at byte 4: odd number of items \(1\)/);
    expect(corrupt(Buffer.from('(K\x01.', 'latin1')).message).toMatch(/STOP with an unclosed MARK/);
    expect(corrupt(Buffer.from('(a.', 'latin1')).message).toMatch(/APPEND at byte 1: stack underflow/);
    expect(corrupt(Buffer.from('h\x05.', 'latin1')).message).toMatch(/BINGET at byte 0: memo entry 5 was never stored/);
    expect(corrupt(Buffer.from(']K\x01K\x02s.', 'latin1')).message).toMatch(/SETITEM at byte 5: expects a dict, found list/);
    expect(corrupt(Buffer.from('NN.', 'latin1')).message).toMatch(/STOP with 2 values on the stack/);
    expect(corrupt(Buffer.from('\x80\x09N.', 'latin1')).message).toMatch(/unsupported pickle protocol 9/);
    expect(corrupt(Buffer.from('garbage!', 'latin1')).message).toMatch(/CORRUPT|unknown opcode|at byte/);
  });

  it('parses protocol 0 text forms', () => {
    expect(readPickle(Buffer.from('I01\n.'), 'x')).toBe(true);
    expect(readPickle(Buffer.from('L123456789012345678901234567890L\n.'), 'x')).toBe(123456789012345678901234567890n);
    expect(readPickle(Buffer.from('F-2.5\n.'), 'x')).toBe(-2.5);
    expect(readPickle(Buffer.from("S'a\\x41\\n'\n.", 'latin1'), 'x')).toBe('aA\n');
    // A list that contains itself via the memo: the reader builds the cycle without recursing.
    const cyclic = readPickle(Buffer.from('(lp0\nI7\nag0\na.', 'latin1'), 'x') as PickleValue[];
    expect(cyclic.length).toBe(2);
    expect(cyclic[0]).toBe(7);
    expect(cyclic[1]).toBe(cyclic);
  });
});
