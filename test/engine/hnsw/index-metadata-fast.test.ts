import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import { decodeIndexMetadata, type IndexMetadata } from '../../../src-main/engine/hnsw/index-metadata.js';
import { decodeRustIndexMetadata, NATIVE_PICKLE_ENV, readIndexMetadata, readIndexMetadataSteps } from '../../../src-main/engine/hnsw/index-metadata-fast.js';
import { addonFunctions } from '../../../src-main/engine/util/addon-functions.js';
import { readPickle } from '../../../src-main/engine/hnsw/pickle-reader.js';
import { ARTICLES, INNER, pickleDumps, rustPickle, seed7, type PyValue } from './helpers.js';
import { addonMissing, addonSuite } from '../../helpers/addon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FILE = 'seg/index_metadata.pickle';
const general = (buf: Buffer) => decodeIndexMetadata(readPickle(buf, FILE), FILE);

/** Everything a caller can observe, with the label → id lookup as a plain Map. */
function plain(m: IndexMetadata) {
  return { ...m, idToLabel: new Map(m.idToLabel), labelToId: new Map(m.labelToId) };
}

function outcome(fn: () => IndexMetadata): unknown {
  try {
    return plain(fn());
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    return { code: (err as InspectorError).code, message: (err as InspectorError).message, details: (err as InspectorError).details };
  }
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

// Each test runs twice: with the plain-pair loops in the addon (native/pickle-pairs.cc), and here.
describe.each(['native', 'off'] as const)('readIndexMetadata (%s pair loops): the Rust-form fast path agrees with the general decoder', (way) => {
  beforeEach(() => {
    if (way === 'off') process.env[NATIVE_PICKLE_ENV] = 'off';
    else delete process.env[NATIVE_PICKLE_ENV];
  });
  const outside = process.env[NATIVE_PICKLE_ENV];
  afterEach(() => {
    if (outside === undefined) delete process.env[NATIVE_PICKLE_ENV];
    else process.env[NATIVE_PICKLE_ENV] = outside;
    vi.restoreAllMocks();
  });

  const missing = addonMissing('plainIdEntries', 'plainLabelPairs');
  it.skipIf(missing !== null)(addonSuite('reads the pairs in the addon, or here, as asked', missing), () => {
    const loops = addonFunctions();
    const spied = loops as unknown as Record<'plainIdEntries' | 'plainLabelPairs', (...args: unknown[]) => number>;
    const ids = vi.spyOn(spied, 'plainIdEntries');
    const labels = vi.spyOn(spied, 'plainLabelPairs');
    const bytes = rustPickle(new Map(Array.from({ length: 5000 }, (_, i) => [`id-${i}`, i + 1] as [string, number])), 5000);
    expect(plain(decodeRustIndexMetadata(bytes)!)).toEqual(plain(general(bytes)));
    expect(ids.mock.calls.length > 0).toBe(way === 'native');
    expect(labels.mock.calls.length > 0).toBe(way === 'native');
    // Accepted and taken there, not declined into this file's loops.
    if (way === 'native') {
      expect(ids.mock.results.every((r) => (r.value as number) >= 0) && ids.mock.results.some((r) => (r.value as number) > 1000)).toBe(true);
      expect(labels.mock.results.every((r) => (r.value as number) >= 0)).toBe(true);
    }
    // Python's pickles memoize every id: no pair is plain, and the addon is not called per entry.
    ids.mockClear();
    labels.mockClear();
    const python = fs.readFileSync(path.join(here, 'fixtures', 'persistent-data-3000-p5.pickle'));
    expect(plain(decodeRustIndexMetadata(python)!)).toEqual(plain(general(python)));
    expect(ids.mock.calls.length + labels.mock.calls.length).toBe(0);
  });

  it('keeps labels past 2^31 (LONG1, through the cursor) whole around the addon', () => {
    const cases = [
      variant({ id_to_label: new Map<PyValue, PyValue>([['a', 1], ['b', 2 ** 31]]), label_to_id: null, total_elements_added: 2 ** 31 }),
      variant({ id_to_label: new Map<PyValue, PyValue>([['a', 1], ['b', 2 ** 32 + 5], ['c', 2]]), label_to_id: null, total_elements_added: 2 ** 33 }),
      variant({ id_to_label: new Map<PyValue, PyValue>([['a', 1], ['b', 3 * 2 ** 30]]), label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [3 * 2 ** 30, 'b']]) }),
      pickleDumps({
        dimensionality: 2,
        total_elements_added: 3 * 2 ** 30,
        label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [3 * 2 ** 30, 'b']]),
        id_to_label: new Map<PyValue, PyValue>([['a', 1], ['b', 3 * 2 ** 30]]),
      }),
    ];
    for (const buf of cases) expect(outcome(() => readIndexMetadata(buf, FILE))).toEqual(outcome(() => general(buf)));
  });

  it('decodes bytes in shared memory (as the pre-scan reads them) as any', () => {
    const bytes = rustPickle(new Map(Array.from({ length: 5000 }, (_, i) => [`id-${i}`, i + 1] as [string, number])), 5000);
    const shared = Buffer.from(new SharedArrayBuffer(bytes.length + 16), 16, bytes.length);
    bytes.copy(shared);
    expect(plain(decodeRustIndexMetadata(shared)!)).toEqual(plain(general(bytes)));
  });

  it('sizes its tables by total_elements_added and still takes entries past it', () => {
    const ids = new Map(Array.from({ length: 6000 }, (_, i) => [`r${i}`, i] as [string, number]));
    for (const total of [6000, 5999, 10, 0, 2 ** 40]) {
      const buf = rustPickle(ids, total);
      expect(outcome(() => readIndexMetadata(buf, FILE)), `total ${total}`).toEqual(outcome(() => general(buf)));
    }
  });

  it('takes the fast path for the pickles Chroma 1.x wrote, with identical results', () => {
    for (const seg of [ARTICLES, INNER]) {
      const buf = fs.readFileSync(path.join(seed7, seg, 'index_metadata.pickle'));
      const fast = decodeRustIndexMetadata(buf);
      expect(fast).not.toBeNull();
      expect(plain(fast!)).toEqual(plain(general(buf)));
      // The oracle for the lookups: the pickle's own label_to_id dict, as the safe reader decodes
      // it (no IndexMetadata decoder involved). Every label it holds must be found with its id by
      // the fast table's has/get, and every label it lacks must be missing.
      const raw = readPickle(buf, FILE);
      expect(raw).toBeInstanceOf(Map);
      const dict = (raw as Map<unknown, unknown>).get('label_to_id') as Map<unknown, unknown>;
      expect(dict).toBeInstanceOf(Map);
      const expected = new Map([...dict].map(([l, id]) => [Number(l), id as string]));
      expect(expected.size).toBeGreaterThan(500);
      expect(fast!.labelToId.size).toBe(expected.size);
      for (const [label, id] of expected) {
        expect(fast!.labelToId.has(label), `label ${label}`).toBe(true);
        expect(fast!.labelToId.get(label), `label ${label}`).toBe(id);
        expect(fast!.idToLabel.get(id), id).toBe(label);
      }
      const max = Math.max(...expected.keys());
      const absent = [-1, max + 1, max + 1000, 2 ** 31, ...Array.from({ length: max + 1 }, (_, l) => l).filter((l) => !expected.has(l))];
      expect(absent.length).toBeGreaterThan(4);
      for (const l of absent) {
        expect(fast!.labelToId.has(l), `label ${l}`).toBe(false);
        expect(fast!.labelToId.get(l), `label ${l}`).toBeUndefined();
      }
      expect(new Map(fast!.labelToId)).toEqual(expected);
    }
  });

  it('takes the fast path for valid variants, and the results match', () => {
    const ok: Buffer[] = [
      variant({}),
      variant({ id_to_label: {}, label_to_id: {}, total_elements_added: 0 }),
      variant({ total_elements_added: undefined }),
      variant({ label_to_id: undefined }),
      variant({ label_to_id: null, id_to_seq_id: null, dimensionality: null, max_seq_id: null }),
      variant({ id_to_label: { 'ü🙂': 70000, x: 0 }, label_to_id: new Map<PyValue, PyValue>([[0, 'x'], [70000, 'ü🙂']]), total_elements_added: 70000 }),
      rustPickle(new Map([['x', 7]]), 9),
      rustPickle(new Map(Array.from({ length: 3000 }, (_, i) => [`id-${i}`, 3000 - i] as [string, number])), 3000),
      variant({ max_seq_id: 2 ** 40 }),
      variant({ id_to_seq_id: { b: 7, a: 2 ** 33 } }),
      // Python 0.4–0.6's PersistentData objects (protocol 4+: memoised strs, label_to_id's values
      // fetched from the memo) as CPython wrote them (fixtures/make-pickles.py).
      ...['persistent-data-p4', 'persistent-data-p5', 'persistent-data-300-p5', 'persistent-data-3000-p5'].map((f) => fs.readFileSync(path.join(here, 'fixtures', `${f}.pickle`))),
    ];
    for (const buf of ok) {
      const fast = decodeRustIndexMetadata(buf);
      expect(fast).not.toBeNull();
      expect(plain(fast!)).toEqual(plain(general(buf)));
    }
  });

  it('gives up on anything else, so the general path reports the same error or result', () => {
    const others: Buffer[] = [
      pickleDumps([1, 2]),
      Buffer.from('\x80\x02cx\nC\n)\x81.', 'latin1'),
      variant({ id_to_label: undefined }),
      variant({ id_to_label: [1] }),
      variant({ id_to_label: { a: 'x', b: 3 } }),
      variant({ id_to_label: { a: -1, b: 3 } }),
      variant({ id_to_label: new Map<PyValue, PyValue>([[5, 1]]) }),
      variant({ id_to_label: { a: 1, b: 1 } }),
      variant({ label_to_id: new Map<PyValue, PyValue>([[1, 'a']]) }),
      variant({ label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [3, 'c']]) }),
      variant({ label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [2, 'b']]) }),
      variant({ label_to_id: new Map<PyValue, PyValue>([[1, 'a'], [3, 'b'], [4, 'b']]) }),
      variant({ total_elements_added: 2 }),
      variant({ max_seq_id: 'x' }),
      variant({ dimensionality: 1.5 }),
      // id_to_seq_id is only counted: it must hold exactly id_to_label's ids, once each.
      variant({ id_to_seq_id: { a: 1 } }),
      variant({ id_to_seq_id: { a: 1, c: 2 } }),
      variant({ something_else: 1 }),
      variant({ id_to_label: { a: 2 ** 30, b: 3 }, label_to_id: new Map<PyValue, PyValue>([[2 ** 30, 'a'], [3, 'b']]), total_elements_added: 2 ** 30 }),
      // Protocols 0–2 name the class with GLOBAL and store memo entries with PUT/BINPUT.
      ...['persistent-data-p0', 'persistent-data-p1', 'persistent-data-p2'].map((f) => fs.readFileSync(path.join(here, 'fixtures', `${f}.pickle`))),
    ];
    for (const buf of others) {
      expect(decodeRustIndexMetadata(buf)).toBeNull();
      expect(outcome(() => readIndexMetadata(buf, FILE))).toEqual(outcome(() => general(buf)));
    }
  });

  const pythonSmall = () => fs.readFileSync(path.join(here, 'fixtures', 'persistent-data-p5.pickle'));

  it('never reads past the end: every truncation goes to the general path and its error', () => {
    const rust = rustPickle(new Map(Array.from({ length: 40 }, (_, i) => [`id-${i}`, i + 1] as [string, number])), 40);
    for (const buf of [rust, pythonSmall()]) for (let n = 0; n < buf.length; n++) {
      const cut = buf.subarray(0, n);
      expect(decodeRustIndexMetadata(cut)).toBeNull();
      const got = outcome(() => readIndexMetadata(cut, FILE)) as { code?: string };
      expect(got.code).toBe('CORRUPT_PICKLE');
      expect(got).toEqual(outcome(() => general(cut)));
    }
  });

  /**
   * A file still being read (level0-prescan.ts): bytes past what `arrive` said are there hold
   * 0xff until they come, so a decoder that read ahead would see them and give up.
   */
  function arriving(bytes: Buffer, chunk: number, before: Buffer | null = null) {
    const buf = Buffer.alloc(bytes.length, 0xff);
    // `before`: what the buffer holds where the file has not arrived yet (default 0xff).
    before?.copy(buf, 0, 0, Math.min(before.length, buf.length));
    let ready = 0;
    const asked: number[] = [];
    const arrive = (upTo: number) => {
      asked.push(upTo);
      expect(upTo).toBeLessThanOrEqual(bytes.length);
      while (ready < upTo) {
        const end = Math.min(bytes.length, ready + chunk);
        bytes.copy(buf, ready, ready, end);
        ready = end;
      }
      return ready;
    };
    return { buf, arrive, asked };
  }

  it('decodes a file as its bytes arrive, never reading a byte before it is there', () => {
    const rust = rustPickle(new Map(Array.from({ length: 40 }, (_, i) => [`id-${i}`, i + 1] as [string, number])), 40);
    const files = [...[ARTICLES, INNER].map((seg) => fs.readFileSync(path.join(seed7, seg, 'index_metadata.pickle'))), rust, pythonSmall()];
    for (const bytes of files) {
      const whole = plain(decodeRustIndexMetadata(bytes)!);
      for (const chunk of [1, 3, 7, 64, 4096]) {
        const { buf, arrive, asked } = arriving(bytes, chunk);
        const fast = decodeRustIndexMetadata(buf, arrive);
        expect(fast, `chunks of ${chunk}`).not.toBeNull();
        expect(plain(fast!)).toEqual(whole);
        // Asked in order, and only as far as the decoding went.
        expect(asked).toEqual([...asked].sort((a, b) => a - b));
      }
    }
    // The general path waits for the whole file before it reads.
    const python = fs.readFileSync(path.join(here, 'fixtures', 'persistent-data-p2.pickle'));
    const { buf, arrive, asked } = arriving(python, 5);
    expect(outcome(() => readIndexMetadata(buf, FILE, arrive))).toEqual(outcome(() => general(python)));
    expect(asked.at(-1)).toBe(python.length);
  });

  it('lets an error from the read through, instead of taking it for a damaged file', () => {
    const bytes = fs.readFileSync(path.join(seed7, ARTICLES, 'index_metadata.pickle'));
    const failed = new Error('the read failed');
    const arrive = (upTo: number) => {
      if (upTo > 1000) throw failed;
      return 1000;
    };
    const buf = Buffer.alloc(bytes.length);
    bytes.copy(buf, 0, 0, 1000);
    expect(() => readIndexMetadata(buf, FILE, arrive)).toThrow(failed);
  });

  it('gives up on flipped bytes unless the result is exactly what the general path decodes', () => {
    const rust = rustPickle(new Map(Array.from({ length: 20 }, (_, i) => [`id-${i}`, i + 1] as [string, number])), 20);
    for (const buf of [rust, pythonSmall()]) for (let i = 0; i < buf.length; i++) {
      for (const flip of [0x01, 0x80]) {
        const bad = Buffer.from(buf);
        bad[i] = bad[i]! ^ flip;
        expect(outcome(() => readIndexMetadata(bad, FILE)), `byte ${i} ^ ${flip}`).toEqual(outcome(() => general(bad)));
      }
    }
  });

  it('takes entries past its first guess at their number: ids of 1–3 bytes in id_to_label alone (~10 bytes an entry)', () => {
    // The entry tables start at one entry per 16 bytes of the file and double when full.
    const n = 20_000;
    const dense = variant({ id_to_label: Object.fromEntries(Array.from({ length: n }, (_, i) => [i.toString(36), i])), label_to_id: undefined, total_elements_added: n });
    expect(dense.length / n).toBeLessThan(16);
    const fast = decodeRustIndexMetadata(dense);
    expect(fast).not.toBeNull();
    expect(fast!.idToLabel.size).toBe(n);
    expect(plain(fast!)).toEqual(plain(general(dense)));
  });

  /**
   * Both dicts written pair by pair in every form the decoders know: ids as SHORT_BINUNICODE or
   * BINUNICODE, labels as BININT1, BININT2, BININT or LONG1, in batches of 1,000 as Python
   * writes them, a memo store after some ids, and protocol 4's FRAME opcodes between some pairs
   * and inside others. The fast decoder reads the plain pairs straight from the bytes and the
   * others through its cursor; the general decoder is the oracle.
   */
  function mixedFormPickle(n: number, seed: number): Buffer {
    let x = seed;
    const rand = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const bytes: number[] = [0x80, 0x04, 0x7d];
    const frames: number[] = [];
    const maybeFrame = () => {
      if (rand() < 0.01) {
        frames.push(bytes.length);
        bytes.push(0x95, 0, 0, 0, 0, 0, 0, 0, 0);
      }
    };
    const text = (t: string, short: boolean) => {
      const b = Buffer.from(t, 'utf8');
      if (short) bytes.push(0x8c, b.length);
      else bytes.push(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0);
      bytes.push(...b);
    };
    const int = (v: number) => {
      const form = v < 256 && rand() < 0.5 ? 0 : v < 65536 && rand() < 0.5 ? 1 : rand() < 0.8 ? 2 : 3;
      if (form === 0) bytes.push(0x4b, v);
      else if (form === 1) bytes.push(0x4d, v & 0xff, v >> 8);
      else if (form === 2) bytes.push(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
      else bytes.push(0x8a, 4, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0x7f);
    };
    const labels = Array.from({ length: n }, (_, i) => (i * 7919) % (n + 300));
    const ids = labels.map((l, i) => (i % 97 === 0 ? `ü-${l}` : `r${l}`));
    const dict = (key: string, pair: (i: number) => void) => {
      text(key, true);
      bytes.push(0x7d);
      for (let i = 0; i < n; i++) {
        if (i % 1000 === 0) bytes.push(0x28);
        pair(i);
        if (i % 1000 === 999 || i === n - 1) bytes.push(0x75);
      }
    };
    bytes.push(0x28);
    text('total_elements_added', true);
    int(n + 300);
    dict('id_to_label', (i) => {
      maybeFrame();
      text(ids[i]!, rand() < 0.5);
      if (rand() < 0.02) bytes.push(0x94); // MEMOIZE
      maybeFrame();
      int(labels[i]!);
    });
    dict('label_to_id', (i) => {
      const j = n - 1 - i;
      maybeFrame();
      int(labels[j]!);
      maybeFrame();
      text(ids[j]!, rand() < 0.5);
    });
    bytes.push(0x75, 0x2e);
    // Each FRAME's length: the bytes up to the next one (or the end), as a pickler's frames are.
    frames.forEach((at, k) => {
      let len = (frames[k + 1] ?? bytes.length) - (at + 9);
      for (let b = 1; b <= 8; b++, len = Math.floor(len / 256)) bytes[at + b] = len % 256;
    });
    return Buffer.from(bytes);
  }

  it('reads pairs of every form, in batches, whole and as they arrive, to what the general decoder gives', () => {
    for (const seed of [1, 2, 3]) {
      const bytes = mixedFormPickle(5_000, seed);
      const want = plain(general(bytes));
      expect(want.idToLabel.size).toBe(5_000);
      const fast = decodeRustIndexMetadata(bytes);
      expect(fast).not.toBeNull();
      expect(plain(fast!)).toEqual(want);
      // Where the file has not arrived, the buffer holds another such file's bytes: pairs a loop
      // that read ahead would take.
      const other = mixedFormPickle(5_000, seed + 10);
      for (const chunk of [1, 5, 4096]) {
        for (const before of [null, other]) {
          const { buf, arrive } = arriving(bytes, chunk, before);
          expect(plain(decodeRustIndexMetadata(buf, arrive)!), `chunks of ${chunk}`).toEqual(want);
        }
      }
      // A damaged pair anywhere in either dict is the general decoder's to judge.
      for (let k = 0; k < 40; k++) {
        const bad = Buffer.from(bytes);
        const at = 40 + Math.floor(((k * 2654435761) >>> 0) % (bytes.length - 42));
        bad[at] = bad[at]! ^ (k % 2 ? 0x80 : 0x01);
        expect(outcome(() => readIndexMetadata(bad, FILE)), `byte ${at}`).toEqual(outcome(() => general(bad)));
      }
    }
  });

  it('decodes in steps that pause every few thousand entries, to what the general decoder gives, damage and all', () => {
    const big = rustPickle(new Map(Array.from({ length: 50_000 }, (_, i) => [`id-${i}`, i + 1] as [string, number])), 50_000);
    const fixtures = ['persistent-data-3000-p5', 'persistent-data-p0', 'persistent-data-p2'].map((f) => fs.readFileSync(path.join(here, 'fixtures', `${f}.pickle`)));
    const damaged = Buffer.from(big);
    damaged[damaged.length >> 1] = damaged[damaged.length >> 1]! ^ 0x80;
    for (const buf of [big, ...fixtures, damaged, big.subarray(0, big.length - 9)]) {
      let pauses = 0;
      const stepped = outcome(() => {
        const steps = readIndexMetadataSteps(buf, FILE);
        for (;;) {
          const r = steps.next();
          if (r.done) return r.value;
          pauses++;
        }
      });
      // The general decoder is the independent answer (readIndexMetadata runs these same steps).
      expect(stepped).toEqual(outcome(() => general(buf)));
      // 50,000 ids: a pause every 2,048 entries in id_to_label, in label_to_id's check and in the
      // table by label (the id table pauses every 16,384).
      if (buf === big) expect(pauses).toBeGreaterThanOrEqual(3 * Math.floor(50_000 / 2048));
    }
  });
});
