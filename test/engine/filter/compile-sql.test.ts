import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { compileWhere } from '../../../src-main/engine/filter/compile-sql.js';
import { matchesWhere } from '../../../src-main/engine/filter/evaluate.js';
import { parseWhere, parseWhereDocument } from '../../../src-main/engine/filter/parse-where.js';
import { combineFilters } from '../../../src-main/engine/filter/combine.js';
import {
  docContains,
  docRegex,
  whereAnd,
  whereCompare,
  whereContains,
  whereDocument,
  whereIn,
  whereOr,
  type WhereNode,
} from '../../../src-main/engine/filter/where-ast.js';
import { B, F, I, LATEST_DDL, S, createSegment, meta, sample134, type Segment, type TestRecord } from './sql-harness.js';

/** Runs a filter both ways and insists they agree; returns the matching ids. */
function both(seg: Segment, records: TestRecord[], node: WhereNode): string[] {
  const sql = seg.select(node);
  const mem = records.filter((r) => matchesWhere(node, r)).map((r) => r.id);
  expect(mem, 'in-memory evaluation must agree with SQL').toEqual(sql);
  return sql;
}

describe('compileWhere: Rust core numeric semantics (docs/format.md §7.4)', () => {
  const records: TestRecord[] = [
    { id: 'int2', metadata: meta({ x: I(2) }), document: null },
    { id: 'int3', metadata: meta({ x: I(3) }), document: null },
    { id: 'float2.0', metadata: meta({ x: F(2) }), document: null },
    { id: 'float2.5', metadata: meta({ x: F(2.5) }), document: null },
    { id: 'none', metadata: meta({ y: I(1) }), document: null },
    { id: 'string2', metadata: meta({ x: S('2') }), document: null },
    { id: 'bool', metadata: meta({ x: B(true) }), document: null },
    { id: 'array', metadata: meta({ x: [I(2), I(3)] }), document: null },
  ];
  const seg = createSegment();
  records.forEach(seg.insert);
  const q = (node: WhereNode) => both(seg, records, node);

  it('truncates a float operand for the int column', () => {
    expect(q(whereCompare('x', '$gt', F(2.5)))).toEqual(['int3']); // int 3 > 2, int 2 is not
    expect(q(whereCompare('x', '$gte', F(2.5)))).toEqual(['int2', 'int3', 'float2.5']); // int 2 >= trunc(2.5)
    expect(q(whereCompare('x', '$eq', F(2.5)))).toEqual(['int2', 'float2.5']); // $eq 2.5 matches int 2
    expect(q(whereCompare('x', '$lt', F(2.5)))).toEqual(['float2.0']);
    expect(q(whereCompare('x', '$lte', F(-0.5)))).toEqual([]); // trunc(-0.5) = 0
  });

  it('converts an int operand for the float column', () => {
    expect(q(whereCompare('x', '$eq', I(2)))).toEqual(['int2', 'float2.0']);
    expect(q(whereCompare('x', '$gt', I(2)))).toEqual(['int3', 'float2.5']);
    expect(q(whereIn('x', [I(2), I(3)]))).toEqual(['int2', 'int3', 'float2.0']);
    expect(q(whereIn('x', [F(2.5), F(3.9)]))).toEqual(['int2', 'int3', 'float2.5']); // truncated: 2 and 3
  });

  it('makes $ne / $nin match records without the key (NOT IN)', () => {
    expect(q(whereCompare('x', '$ne', F(2.5)))).toEqual(['int3', 'float2.0', 'none', 'string2', 'bool', 'array']);
    expect(q(whereCompare('x', '$ne', I(2)))).toEqual(['int3', 'float2.5', 'none', 'string2', 'bool', 'array']);
    expect(q(whereIn('x', [I(2)], true))).toEqual(['int3', 'float2.5', 'none', 'string2', 'bool', 'array']);
    expect(q(whereCompare('missing', '$ne', S('a')))).toEqual(records.map((r) => r.id));
  });

  it('saturates huge float operands and keeps huge ints exact', () => {
    expect(q(whereCompare('x', '$lt', F(1e300)))).toEqual(['int2', 'int3', 'float2.0', 'float2.5']);
    expect(q(whereCompare('x', '$gt', F(-1e300)))).toEqual(['int2', 'int3', 'float2.0', 'float2.5']);
    const big = createSegment();
    const bigRecords: TestRecord[] = [
      { id: 'max', metadata: meta({ n: I(2n ** 63n - 1n) }), document: null },
      { id: 'p53', metadata: meta({ n: I(2n ** 53n + 1n) }), document: null },
      { id: 'f53', metadata: meta({ n: F(2 ** 53) }), document: null },
    ];
    bigRecords.forEach(big.insert);
    expect(both(big, bigRecords, whereCompare('n', '$eq', F(1e30)))).toEqual(['max']); // saturates to i64::MAX
    expect(both(big, bigRecords, whereCompare('n', '$eq', I(2n ** 53n + 1n)))).toEqual(['p53', 'f53']); // as f64 rounds to 2^53
    expect(both(big, bigRecords, whereCompare('n', '$gt', I(2n ** 53n)))).toEqual(['max', 'p53']);
  });

  it('keeps strings, bools and arrays apart from numbers', () => {
    expect(q(whereCompare('x', '$eq', S('2')))).toEqual(['string2']);
    expect(q(whereCompare('x', '$eq', B(true)))).toEqual(['bool']);
    expect(q(whereCompare('x', '$ne', B(true)))).toEqual(['int2', 'int3', 'float2.0', 'float2.5', 'none', 'string2', 'array']);
    expect(q(whereContains('x', I(3)))).toEqual(['array']);
    expect(q(whereContains('x', F(3)))).toEqual([]); // no int/float cross-matching for arrays
    expect(q(whereContains('x', I(3), true))).toEqual(['int2', 'int3', 'float2.0', 'float2.5', 'none', 'string2', 'bool']);
    expect(q(whereContains('x', I(2)))).toEqual(['array']); // a scalar under the key is not an element
  });

  it('folds $and / $or, including empty ones', () => {
    expect(q(whereAnd([]))).toEqual(records.map((r) => r.id));
    expect(q(whereOr([]))).toEqual([]);
    expect(q(whereOr([whereCompare('x', '$eq', S('2')), whereCompare('y', '$eq', I(1))]))).toEqual(['none', 'string2']);
    expect(q(whereAnd([whereCompare('x', '$gte', I(2)), whereCompare('x', '$lt', I(3))]))).toEqual(['int2', 'float2.0', 'float2.5']);
  });
});

describe('compileWhere: documents (docs/format.md §7.5)', () => {
  const docs = ['The Cat sat', 'the cat sat', '100% sure', 'a_b', 'a b', 'a\\b', 'CATS', '日本語のテキスト', 'émoji🙂 naïve', ''];
  const records: TestRecord[] = docs.map((d, i) => ({ id: `d${i}`, metadata: meta({ n: I(i) }), document: d }));
  records.push({ id: 'nodoc', metadata: meta({ n: I(99) }), document: null });
  const seg = createSegment();
  records.forEach(seg.insert);
  const q = (node: WhereNode) => both(seg, records, node);
  const c = (text: string, negate = false) => q(whereDocument(docContains(text, negate)));

  it('is a case-sensitive substring test (case_sensitive_like)', () => {
    expect(c('cat')).toEqual(['d1']);
    expect(c('Cat')).toEqual(['d0']);
    expect(c('CAT')).toEqual(['d6']);
    expect(c('日本')).toEqual(['d7']);
    expect(c('🙂 na')).toEqual(['d8']);
  });

  it('treats % _ and \\ literally', () => {
    expect(c('%')).toEqual(['d2']);
    expect(c('0%')).toEqual(['d2']);
    expect(c('_')).toEqual(['d3']);
    expect(c('a_b')).toEqual(['d3']); // not "a b"
    expect(c('\\')).toEqual(['d5']);
    expect(c('a\\b')).toEqual(['d5']);
  });

  it('matches records without a document on $not_contains; "" matches every document', () => {
    expect(c('cat', true)).toEqual(records.map((r) => r.id).filter((id) => id !== 'd1'));
    expect(c('')).toEqual(records.filter((r) => r.document !== null).map((r) => r.id));
  });

  it('runs $regex through the registered regexp() with Rust semantics', () => {
    const r = (pattern: string, negate = false) => q(whereDocument(docRegex(pattern, negate)));
    expect(r('^the')).toEqual(['d1']);
    expect(r('(?i)^the')).toEqual(['d0', 'd1']);
    expect(r('\\d+%')).toEqual(['d2']);
    expect(r('^\\w+$')).toEqual(['d3', 'd6', 'd7']); // Unicode \w: 日本語のテキスト is all word characters
    expect(r('cat', true)).toEqual(records.map((x) => x.id).filter((id) => id !== 'd1'));
    expect(() => compileWhere(whereDocument(docRegex('(?=x)')), seg.ctx)).toThrow(/look-around/);
  });

  it('runs the recorded fixture filters', () => {
    const node = combineFilters(parseWhere({ n: { $gte: 2 } }), parseWhereDocument({ $or: [{ $contains: 'a' }, { $regex: 'テ' }] }));
    expect(q(node!)).toEqual(['d3', 'd4', 'd5', 'd7', 'd8']);
  });
});

describe('compileWhere: older folders', () => {
  const records: TestRecord[] = [
    { id: 'yes', metadata: meta({ flag: B(true), n: I(1) }), document: 'Alpha 50% off' },
    { id: 'no', metadata: meta({ flag: B(false), n: F(1.5) }), document: 'beta' },
    { id: 'bare', metadata: meta({}), document: null },
  ];

  it('0.4.0–0.4.3: bools live in int_value; 0.4.0–0.4.5: the embedding_fulltext(id, ...) table', () => {
    const seg = createSegment('legacy-0.4.0');
    records.forEach(seg.insert);
    expect(seg.ctx).toEqual({ hasArrayTable: false, ftsTable: 'embedding_fulltext', hasBoolColumn: false });
    expect(seg.select(whereCompare('flag', '$eq', B(true)))).toEqual(['yes']);
    expect(seg.select(whereIn('flag', [B(false)]))).toEqual(['no']);
    expect(seg.select(whereDocument(docContains('50%')))).toEqual(['yes']);
    expect(seg.select(whereDocument(docContains('alpha')))).toEqual([]);
    expect(seg.select(whereDocument(docContains('eta', true)))).toEqual(['yes', 'bare']);
    expect(seg.select(whereDocument(docRegex('^[ab]')))).toEqual(['no']);
    // no array table: nothing contains anything
    expect(seg.select(whereContains('tags', S('x')))).toEqual([]);
    expect(seg.select(whereContains('tags', S('x'), true))).toEqual(['yes', 'no', 'bare']);
  });

  it('without any full-text table, documents are searched in embedding_metadata', () => {
    const seg = createSegment('no-fts');
    records.forEach(seg.insert);
    for (const node of [whereDocument(docContains('50%')), whereDocument(docContains('a', true)), whereDocument(docRegex('^b'))]) {
      both(seg, records, node);
    }
    expect(seg.select(whereDocument(docContains('50%')))).toEqual(['yes']);
  });
});

describe('compileWhere: SQL shape', () => {
  const seg = createSegment();
  for (let i = 0; i < 50; i++) {
    seg.insert({ id: `r${i}`, metadata: meta({ n: I(i), f: F(i / 2), s: S(`v${i}`), tags: [S(`t${i % 5}`)] }), document: `doc ${i}` });
  }

  it('binds ints as BigInt and uses positional parameters only', () => {
    const { sql, params } = compileWhere(whereAnd([whereCompare('n', '$gt', I(3)), whereIn('s', [S('a'), S('b')])]), seg.ctx);
    expect(sql).toBe(
      '(e.id IN (SELECT id FROM embedding_metadata WHERE key = ? AND int_value > ? UNION SELECT id FROM embedding_metadata WHERE key = ? AND float_value > ?) AND ' +
        'e.id IN (SELECT id FROM embedding_metadata WHERE key = ? AND string_value IN (?, ?)))',
    );
    expect(params).toEqual(['n', 3n, 'n', 3, 's', 'a', 'b']);
    // Three characters or more go through the trigram index (MATCH), checked exactly by instr().
    const doc = compileWhere(whereDocument(docContains('50%_\\x')), seg.ctx);
    expect(doc.sql).toBe('e.id IN (SELECT rowid FROM embedding_fulltext_search WHERE embedding_fulltext_search MATCH ? AND instr(string_value, ?) > 0)');
    expect(doc.params).toEqual(['"50%_\\x"', '50%_\\x']);
    // Shorter text has no trigram: Chroma's LIKE with its escapes.
    const short = compileWhere(whereDocument(docContains('%_')), seg.ctx);
    expect(short.sql).toBe("e.id IN (SELECT rowid FROM embedding_fulltext_search WHERE string_value LIKE ? ESCAPE '\\')");
    expect(short.params).toEqual(['%\\%\\_%']);
  });

  it('lets SQLite use the partial (key, value) indexes', () => {
    const numeric = seg.explain(whereCompare('n', '$gte', F(10.5)));
    expect(numeric).toContain('embedding_metadata_int_value');
    expect(numeric).toContain('embedding_metadata_float_value');
    expect(seg.explain(whereCompare('s', '$eq', S('v3')))).toContain('embedding_metadata_string_value');
    expect(seg.explain(whereIn('n', [I(1), I(2)], true))).toContain('embedding_metadata_int_value');
    expect(seg.explain(whereContains('tags', S('t1')))).toContain('embedding_metadata_array_key_string');
  });

  it('uses the DDL of a real Chroma 1.3.4 folder', () => {
    const db = new Database(sample134, { readonly: true, fileMustExist: true });
    try {
      const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
      const real = (
        db
          .prepare(
            `SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN
             ('embeddings', 'embedding_metadata', 'embedding_metadata_array', 'embedding_fulltext_search')
             AND name NOT LIKE 'embedding_fulltext_search_%' AND name NOT LIKE 'sqlite_%'`,
          )
          .all() as { sql: string }[]
      ).map((r) => norm(r.sql));
      expect(new Set(real)).toEqual(new Set(LATEST_DDL.map(norm)));
    } finally {
      db.close();
    }
  });
});
