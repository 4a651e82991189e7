import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { offThreadReadStats, stopOffThreadReads } from '../../../src-main/engine/sqlite/off-thread-read.js';
import { executeBitset, executeBitsetSteps } from '../../../src-main/engine/filter/execute-bitset.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { SqlColumnSource } from '../../../src-main/engine/filter/sql-column-source.js';
import { IdBitset } from '../../../src-main/engine/filter/id-bitset.js';
import {
  docContains,
  docRegex,
  whereAnd,
  whereCompare,
  whereContains,
  whereDocument,
  whereIn,
  whereOr,
  type CompareOp,
  type WhereNode,
} from '../../../src-main/engine/filter/where-ast.js';
import type { TypedScalar } from '../../../src-main/engine/util/typed-value.js';
import { B, F, I, S, createSegment, meta } from './sql-harness.js';

/**
 * The bit-set executor (cached columns) must select exactly what the SQL compiler selects, on
 * random records and random filters, including the int/float cross rules and complements.
 */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]) => xs[int(xs.length)]!, chance: (p: number) => next() < p };
}

const KEYS = ['a', 'b', 'c', 'tags'];
const VALUES: TypedScalar[] = [I(0), I(1), I(2), I(3), I(-1), F(2), F(2.5), F(0.5), F(-0.5), F(3), S('x'), S('y'), S('X'), S('2'), B(true), B(false)];
const OPS: CompareOp[] = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'];
const DOCS = ['the cat', 'The Cat', 'dog', '100%', 'a_b', 'naïve'];

function filter(r: ReturnType<typeof rng>, depth = 0): WhereNode {
  const roll = r.int(depth > 1 ? 4 : 6);
  if (roll === 4) return whereAnd([filter(r, depth + 1), filter(r, depth + 1)]);
  if (roll === 5) return whereOr([filter(r, depth + 1), filter(r, depth + 1), filter(r, depth + 1)]);
  const key = r.pick(KEYS);
  const v = r.pick(VALUES);
  if (roll === 0) {
    const op = v.kind === 'string' || v.kind === 'bool' ? r.pick<CompareOp>(['$eq', '$ne']) : r.pick(OPS);
    return whereCompare(key, op, v);
  }
  if (roll === 1) return whereIn(key, VALUES.filter((x) => x.kind === v.kind).filter(() => r.chance(0.5)).concat([v]), r.chance(0.5));
  if (roll === 2) return whereContains(key, v, r.chance(0.5));
  if (r.chance(0.2)) return whereDocument(docRegex(r.pick(['c.t', '^[Tt]he', '\\d+%', 'z+']), r.chance(0.4)));
  return whereDocument(docContains(r.pick(['cat', 'Cat', '%', '_', 'ï', 'zzz']), r.chance(0.4)));
}

describe('bit-set filters agree with the SQL compiler', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 400 random filters over 300 records`, () => {
      const r = rng(seed);
      const seg = createSegment('latest');
      // Another segment's rows share the tables: they must never leak into results.
      seg.db.prepare("INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES ('other', 'o1', 1)").run();
      for (let i = 0; i < 300; i++) {
        const entries: Record<string, TypedScalar | TypedScalar[]> = {};
        for (const k of ['a', 'b', 'c']) if (r.chance(0.7)) entries[k] = r.pick(VALUES);
        if (r.chance(0.4)) entries.tags = [r.pick(VALUES.filter((v) => v.kind === 'string')), r.pick(VALUES.filter((v) => v.kind === 'string'))];
        seg.insert({ id: `r${i}`, metadata: meta(entries), document: r.chance(0.8) ? r.pick(DOCS) : null });
      }
      const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
      const idsOf = new Map(
        (seg.db.prepare("SELECT id, embedding_id FROM embeddings WHERE segment_id = 'seg'").all() as { id: bigint; embedding_id: string }[]).map((x) => [
          Number(x.id),
          x.embedding_id,
        ]),
      );
      for (let f = 0; f < 400; f++) {
        const node = filter(r);
        const bits = executeBitset(node, source);
        const got = [...bits.ids()].map((id) => idsOf.get(id));
        expect(got, JSON.stringify(node, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(seg.select(node).filter((id) => id !== 'o1'));
        expect(bits.count()).toBe(got.length);
      }
    });
  }

  it('over built columns, answers ints next to ±2^53 as SQL does (a column with one int beyond 2^53 leaves such leaves to SQL)', () => {
    const seg = createSegment('latest');
    const edge = [2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 53n + 2n];
    // 'pos': the positive side only; 'neg': the negative side only (each must be found on its own).
    const pos = [...edge, 5n].map((v) => I(v));
    const neg = [...edge.map((v) => -v), -5n].map((v) => I(v));
    for (let i = 0; i < 60; i++) seg.insert({ id: `r${i}`, metadata: meta({ pos: pos[i % pos.length]!, neg: neg[(i * 7) % neg.length]! }), document: null });
    const idsOf = new Map(
      (seg.db.prepare("SELECT id, embedding_id FROM embeddings WHERE segment_id = 'seg'").all() as { id: bigint; embedding_id: string }[]).map((x) => [Number(x.id), x.embedding_id]),
    );
    const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
    for (const [key, values] of [['pos', pos], ['neg', neg]] as const) {
      for (const v of values) {
        for (const op of ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'] as CompareOp[]) {
          const node = whereCompare(key, op, v);
          const label = JSON.stringify(node, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
          expect([...executeBitset(node, source).ids()].map((id) => idsOf.get(id)), label).toEqual(seg.select(node));
        }
      }
      expect(source.hasColumn(key), `${key}'s column was built`).toBe(true);
    }
  });

  it('keeps 32-bit columns while every id and value fits, widens mid-build when one does not, and still selects what SQL does', () => {
    const r = rng(5);
    const seg = createSegment('latest');
    // The segment's ids cross 2^32 at its 151st record (SQLite's next rowid follows the largest).
    seg.db.prepare("INSERT INTO embeddings (id, segment_id, embedding_id, seq_id) VALUES (4294967145, 'other', 'o2', 1)").run();
    const add = (i: number, entries: Record<string, TypedScalar>) => seg.insert({ id: `r${i}`, metadata: meta(entries), document: null });
    // 'a': ints first, then floats and ints past 32 bits; 'b': small ints only; 'c': ints to 2^40.
    // (A -0.0 is written too: SQLite stores it as 0, so it reads back as an int32's 0.)
    for (let i = 0; i < 150; i++) add(i, { a: I(r.int(7) - 3), b: I(r.int(10)), c: I(r.int(5)) });
    add(150, { a: F(-0), b: I(4), c: I(2n ** 40n) });
    for (let i = 151; i < 300; i++) add(i, { a: r.chance(0.3) ? F(r.pick([2.5, -0.5, 3, 0])) : I(r.pick([2 ** 31, -(2 ** 31) - 1, 1, -2])), b: I(r.int(10)), c: I(r.int(5)) });
    const idsOf = new Map(
      (seg.db.prepare("SELECT id, embedding_id FROM embeddings WHERE segment_id = 'seg'").all() as { id: bigint; embedding_id: string }[]).map((x) => [Number(x.id), x.embedding_id]),
    );
    expect(Math.min(...idsOf.keys())).toBeLessThan(2 ** 32);
    expect(Math.max(...idsOf.keys())).toBeGreaterThan(2 ** 32);
    const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
    expect(source.bitsetsFit()).toBe(true);
    const values = [I(0), I(1), I(-3), I(4), I(9), I(2 ** 31), I(-(2 ** 31) - 1), I(2n ** 40n), F(-0), F(0), F(2.5), F(-0.5), F(3)];
    const nodes: WhereNode[] = [];
    for (const key of ['a', 'b', 'c']) for (const v of values) for (const op of OPS) nodes.push(whereCompare(key, op, v));
    nodes.push(whereIn('a', [F(-0), F(2.5)]), whereIn('a', [I(0), I(2 ** 31)]), whereIn('c', [I(2n ** 40n), I(3)], true), whereAnd([whereCompare('b', '$lt', I(5)), whereCompare('a', '$gte', F(0))]));
    for (const node of nodes) {
      const got = [...executeBitset(node, source).ids()].map((id) => idsOf.get(id));
      expect(got, JSON.stringify(node, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toEqual(seg.select(node).filter((id) => id !== 'o2'));
    }
    // What the columns hold: 'b' keeps 32-bit values, 'a' and 'c' widened theirs; all widened their ids.
    const fresh = new SqlColumnSource(seg.db, seg.ctx, 'seg');
    expect(fresh.column('b').nums).toBeInstanceOf(Int32Array);
    expect(fresh.column('b').ids).toBeInstanceOf(Float64Array);
    const a = fresh.column('a');
    const c = fresh.column('c');
    expect(a.nums).toBeInstanceOf(Float64Array);
    expect(c.nums).toBeInstanceOf(Float64Array);
    // Every row's id and value as SQLite holds them, the big values exactly.
    for (const [key, col] of [['a', a], ['c', c]] as const) {
      const rows = seg.db.prepare("SELECT m.id, m.int_value AS i, m.float_value AS f FROM embedding_metadata m JOIN embeddings e ON e.id = m.id WHERE e.segment_id = 'seg' AND m.key = ? ORDER BY m.id").safeIntegers(false).all(key) as { id: number; i: number | null; f: number | null }[];
      expect([...col.ids]).toEqual(rows.map((x) => x.id));
      expect([...col.nums]).toEqual(rows.map((x) => (x.i !== null ? x.i : x.f)));
    }
  });

  it('keeps ids and int values in 32 bits on an ordinary segment', () => {
    const seg = createSegment('latest');
    for (let i = 0; i < 100; i++) seg.insert({ id: `r${i}`, metadata: meta({ bucket: I(i % 10), flag: B(i % 2 === 0) }), document: null });
    const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
    for (const key of ['bucket', 'flag']) {
      const col = source.column(key);
      expect(col.ids).toBeInstanceOf(Uint32Array);
      expect(col.nums).toBeInstanceOf(Int32Array);
      expect(col.ids.length).toBe(100);
    }
    expect([...executeBitset(whereCompare('bucket', '$eq', I(3)), source).ids()].length).toBe(10);
  });

  it('reads SQL leaves in pages (work ahead of a call) to what the SQL compiler selects, whatever the page size', () => {
    const r = rng(9);
    // In a file: a trigram MATCH of more rows than a page reads the rest in a worker, on its own connection.
    const dir = mkdtempSync(join(tmpdir(), 'chroma-inspector-paged-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const seg = createSegment('latest', join(dir, 'chroma.sqlite3'));
    onTestFinished(() => {
      stopOffThreadReads(seg.db);
      seg.db.close();
    });
    const offThread = offThreadReadStats.answered;
    seg.db.prepare("INSERT INTO embeddings (segment_id, embedding_id, seq_id) VALUES ('other', 'o1', 1)").run();
    // Values repeat a lot, so pages end inside runs of one value, and ints beyond 2^53 differ where doubles do not.
    const big = [I(2n ** 60n), I(2n ** 60n + 1n), I(2n ** 60n + 2n), I(-(2n ** 60n))];
    const values = [...VALUES, ...big];
    for (let i = 0; i < 200; i++) {
      const entries: Record<string, TypedScalar | TypedScalar[]> = {};
      for (const k of ['a', 'b', 'c']) if (r.chance(0.8)) entries[k] = r.pick(values);
      if (r.chance(0.4)) entries.tags = [r.pick(VALUES.filter((v) => v.kind === 'string')), r.pick(VALUES.filter((v) => v.kind === 'string'))];
      seg.insert({ id: `r${i}`, metadata: meta(entries), document: r.chance(0.8) ? r.pick(DOCS) : null });
    }
    const idsOf = new Map(
      (seg.db.prepare("SELECT id, embedding_id FROM embeddings WHERE segment_id = 'seg'").all() as { id: bigint; embedding_id: string }[]).map((x) => [Number(x.id), x.embedding_id]),
    );
    const nodes = [
      ...Array.from({ length: 150 }, () => filter(r)),
      ...big.flatMap((v) => (['$gt', '$gte', '$lt', '$lte', '$eq', '$ne'] as CompareOp[]).map((op) => whereCompare('a', op, v))),
      whereIn('b', big),
    ];
    let paged = 0;
    const onePiece = vi.spyOn(SqlColumnSource.prototype as unknown as { runSqlLeaf: () => unknown }, 'runSqlLeaf');
    for (const node of nodes) {
      const want = seg.select(node).filter((id) => id !== 'o1');
      for (const rows of [1, 3, 1000]) {
        // A fresh source: no column cached, so every metadata leaf goes through SQL, paged.
        const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
        let steps = 0;
        const ahead = source.ahead((fn) => fn(), rows);
        const run = executeBitsetSteps(node, ahead);
        let next = run.next();
        while (!next.done) {
          steps++;
          next = run.next();
        }
        paged += steps;
        const label = `${JSON.stringify(node, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))} in pages of ${rows}`;
        expect([...next.value.ids()].map((id) => idsOf.get(id)), label).toEqual(want);
        // The call that follows (its keys without columns) finds every leaf cached, and selects the same.
        const inQuery = onePiece.mock.calls.length;
        const call = new SqlColumnSource(seg.db, seg.ctx, 'seg', new Set(), Number.POSITIVE_INFINITY);
        (call as unknown as { leaves: unknown }).leaves = (source as unknown as { leaves: unknown }).leaves;
        expect([...runSteps(executeBitsetSteps(node, call)).ids()].map((id) => idsOf.get(id)), label).toEqual(want);
        expect(onePiece.mock.calls.length, `${label}: a leaf read again in the call`).toBe(inQuery);
      }
    }
    // Pages of one row pause after each.
    expect(paged).toBeGreaterThan(nodes.length * 5);
    expect(offThreadReadStats.answered - offThread, 'MATCH rests read by the worker').toBeGreaterThan(10);
    vi.restoreAllMocks();
  });

  it('reads legs no index narrows (a folder before metadb 4, bool_value) by rowid ranges, whatever the rowids, to what SQL selects', () => {
    const r = rng(13);
    const seg = createSegment('latest');
    for (const ix of ['embedding_metadata_int_value', 'embedding_metadata_float_value', 'embedding_metadata_string_value']) seg.db.exec(`DROP INDEX ${ix}`);
    for (let i = 0; i < 120; i++) {
      const entries: Record<string, TypedScalar> = {};
      for (const k of ['a', 'b']) if (r.chance(0.8)) entries[k] = r.pick(VALUES);
      seg.insert({ id: `r${i}`, metadata: meta(entries), document: null });
    }
    // Rowids Chroma never assigns: the lowest SQLite allows, and one far above the rest.
    seg.db.prepare('UPDATE embedding_metadata SET rowid = -9223372036854775808 WHERE rowid = (SELECT min(rowid) FROM embedding_metadata)').run();
    seg.db.prepare('UPDATE embedding_metadata SET rowid = 1099511627776 WHERE rowid = (SELECT max(rowid) FROM embedding_metadata)').run();
    const idsOf = new Map(
      (seg.db.prepare("SELECT id, embedding_id FROM embeddings WHERE segment_id = 'seg'").all() as { id: bigint; embedding_id: string }[]).map((x) => [Number(x.id), x.embedding_id]),
    );
    const nodes = [...Array.from({ length: 120 }, () => filter(r)), ...VALUES.map((v) => whereCompare('a', v.kind === 'string' || v.kind === 'bool' ? '$eq' : '$gte', v))];
    for (const node of nodes) {
      const want = seg.select(node);
      const run = executeBitsetSteps(node, new SqlColumnSource(seg.db, seg.ctx, 'seg').ahead((fn) => fn(), 7));
      let steps = 0;
      let next = run.next();
      for (; !next.done && steps < 10_000; next = run.next()) steps++;
      const label = JSON.stringify(node, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
      expect(next.done, `${label}: ended`).toBe(true);
      expect([...(next.value as IdBitset).ids()].map((id) => idsOf.get(id)), label).toEqual(want);
    }
  });

  it('reads an $in of many values in steps of a bounded number of rows, preparing a statement per column, not per value', () => {
    const seg = createSegment('latest');
    for (let i = 0; i < 600; i++) seg.insert({ id: `r${i}`, metadata: meta({ s: S(`v${i % 300}`), i: I(i % 300) }), document: null });
    const prepare = vi.spyOn(seg.db, 'prepare');
    for (const node of [whereIn('s', Array.from({ length: 300 }, (_, k) => S(`v${k}`))), whereIn('i', Array.from({ length: 300 }, (_, k) => I(k)))]) {
      const before = prepare.mock.calls.length;
      const source = new SqlColumnSource(seg.db, seg.ctx, 'seg');
      const run = executeBitsetSteps(node, source.ahead((fn) => fn(), 50));
      let steps = 0;
      let next = run.next();
      for (; !next.done; next = run.next()) steps++;
      expect(next.value.count()).toBe(600);
      // 600 rows (1,200 legs' worth for ints: the float leg matches none) in steps of about 50 rows.
      expect(steps).toBeGreaterThanOrEqual(10);
      // A few statements per column, and a look at the table's indexes once: not one per value.
      expect(prepare.mock.calls.length - before).toBeLessThan(30);
    }
    vi.restoreAllMocks();
  });

  it('windows: ids(offset, limit) walks the set in ascending order', () => {
    const set = new IdBitset(100, 200);
    const ids = [100, 101, 131, 132, 133, 200, 299];
    for (const id of ids) set.add(id);
    set.add(5); // out of range: ignored
    expect([...set.ids()]).toEqual(ids);
    expect([...set.ids(2, 3)]).toEqual([131, 132, 133]);
    expect([...set.ids(5)]).toEqual([200, 299]);
    expect(set.count()).toBe(7);
  });
});

describe('document $contains through the trigram index', () => {
  it('matches exactly like a case-sensitive substring test, whatever FTS5 syntax the text holds', () => {
    const seg = createSegment('latest');
    const docs = ['a*b and more', 'x:y', 'say "q" now', 'AND OR NOT', '^start', 'NEAR(a b)', 'The Cat', 'the cat', 'naïve café', '日本語テキスト', 'emoji 🙂🙂 here', '50% off_now', 'back\\slash'];
    docs.forEach((d, i) => seg.insert({ id: `d${i}`, metadata: meta({}), document: d }));
    const needles = ['a*b', 'x:y', '"q"', 'AND', 'OR NOT', '^st', 'NEAR(', 'Cat', 'cat', 'ïve', 'café', '本語テ', '🙂🙂', '% o', 'f_n', 'k\\s', 'nothing'];
    for (const n of needles) {
      const expected = docs.map((d, i) => (d.includes(n) ? `d${i}` : null)).filter(Boolean);
      expect(seg.select(whereDocument(docContains(n))), n).toEqual(expected);
      expect(seg.select(whereDocument(docContains(n, true))), `not ${n}`).toEqual(docs.map((_d, i) => `d${i}`).filter((id) => !expected.includes(id)));
    }
  });
});
