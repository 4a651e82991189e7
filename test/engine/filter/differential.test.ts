import { describe, expect, it } from 'vitest';
import { matchesWhere } from '../../../src-main/engine/filter/evaluate.js';
import { parseWhere } from '../../../src-main/engine/filter/parse-where.js';
import {
  docAnd,
  docContains,
  docOr,
  docRegex,
  whereAnd,
  whereCompare,
  whereContains,
  whereDocument,
  whereIn,
  whereOr,
  type CompareOp,
  type DocumentNode,
  type WhereNode,
} from '../../../src-main/engine/filter/where-ast.js';
import type { TypedMetadata, TypedScalar } from '../../../src-main/engine/util/typed-value.js';
import { createSegment, type SchemaKind, type TestRecord } from './sql-harness.js';

/**
 * Differential test: random records × random filters; the ids selected by the compiled SQL must be
 * exactly those matchesWhere accepts. Seeded, so failures reproduce.
 */

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const INTS = [-3n, -2n, -1n, 0n, 1n, 2n, 3n, 1000n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
const FLOATS = [-2.5, -0, 0, 0.5, 1, 2, 2.5, 3, 2.9999, 1e20, 9.3e18, -9.3e18, 2 ** 53, 0.1 + 0.2, 1.7976931348623157e308];
const STRINGS = ['', 'a', 'A', 'news', 'News', '2', 'naïve', '日本', 'emoji🙂', 'a%b', 'a_b', 'x\\y', '\uffff', '𝔘'];
const WORDS = ['The', 'the', 'cat', 'CAT', 'Cat', '%', '_', '\\', '100%', 'a_b', 'naïve', 'NAÏVE', '日本語', '🙂', 'sat', 'vector', 'Vector', 'x', 'xx'];
const PATTERNS = [
  '^the',
  '(?i)cat',
  'c.t',
  '\\bcat\\b',
  '\\d+%',
  '^$',
  '[_%]',
  '\\\\',
  '日本',
  '(?i)naïve',
  'a|b',
  '\\p{Lu}',
  '^\\w+$',
  '(?m)^x',
  'x{2,}',
  '🙂$',
  '(?i:the cat)',
  '[^a-z ]',
  '\\W',
];
const KEYS = ['a', 'b', 'c', 'tags'];
const OPS: CompareOp[] = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte'];

interface GenOptions {
  arrays: boolean;
  bools: boolean;
}

function scalar(r: Rng, opts: GenOptions, kind?: TypedScalar['kind']): TypedScalar {
  const k = kind ?? r.pick<TypedScalar['kind']>(opts.bools ? ['string', 'int', 'float', 'bool'] : ['string', 'int', 'float']);
  switch (k) {
    case 'string':
      return { kind: 'string', value: r.pick(STRINGS) };
    case 'int':
      return { kind: 'int', value: r.pick(INTS) };
    case 'float':
      return { kind: 'float', value: r.pick(FLOATS) };
    case 'bool':
      return { kind: 'bool', value: r.chance(0.5) };
  }
}

function record(r: Rng, i: number, opts: GenOptions): TestRecord {
  const metadata: TypedMetadata = new Map();
  for (const key of KEYS) {
    if (!r.chance(0.6)) continue;
    if (opts.arrays && r.chance(0.3)) {
      const kind = r.pick<TypedScalar['kind']>(opts.bools ? ['string', 'int', 'float', 'bool'] : ['string', 'int', 'float']);
      const items = Array.from({ length: 1 + r.int(3) }, () => scalar(r, opts, kind));
      metadata.set(key, { kind: 'array', elementKind: kind, items });
    } else {
      metadata.set(key, scalar(r, opts));
    }
  }
  const document = r.chance(0.2) ? null : Array.from({ length: 1 + r.int(4) }, () => r.pick(WORDS)).join(r.pick([' ', '']));
  return { id: `r${i}`, metadata, document };
}

function docFilter(r: Rng, docs: readonly string[], depth: number): DocumentNode {
  const roll = r.next();
  if (depth < 2 && roll < 0.15) {
    const children = Array.from({ length: r.int(3) }, () => docFilter(r, docs, depth + 1));
    return r.chance(0.5) ? docAnd(children) : docOr(children);
  }
  if (roll < 0.6) {
    let text: string;
    const source = r.pick(docs);
    if (r.chance(0.4) && source.length > 0) {
      const chars = Array.from(source);
      const start = r.int(chars.length);
      text = chars.slice(start, start + 1 + r.int(4)).join('');
    } else {
      text = r.pick(WORDS);
    }
    if (r.chance(0.2)) text = r.chance(0.5) ? text.toUpperCase() : text.toLowerCase();
    return docContains(text, r.chance(0.4));
  }
  return docRegex(r.pick(PATTERNS), r.chance(0.4));
}

function filter(r: Rng, docs: readonly string[], opts: GenOptions, depth = 0): WhereNode {
  const roll = r.next();
  if (depth < 3 && roll < 0.2) {
    const children = Array.from({ length: r.int(4) }, () => filter(r, docs, opts, depth + 1));
    return r.chance(0.5) ? whereAnd(children) : whereOr(children);
  }
  const key = r.chance(0.05) ? 'chroma:document' : r.chance(0.05) ? 'missing' : r.pick(KEYS);
  if (roll < 0.55) return whereCompare(key, r.pick(OPS), scalar(r, opts));
  if (roll < 0.7) {
    const kind = scalar(r, opts).kind;
    return whereIn(key, Array.from({ length: 1 + r.int(3) }, () => scalar(r, opts, kind)), r.chance(0.5));
  }
  if (roll < 0.85) return whereContains(key, scalar(r, opts), r.chance(0.5));
  return whereDocument(docFilter(r, docs, 0));
}

const show = (node: unknown) => JSON.stringify(node, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function runDifferential(schema: SchemaKind, seed: number, opts: GenOptions, filters: number): number {
  const r = rng(seed);
  const seg = createSegment(schema);
  const records = Array.from({ length: 80 }, (_, i) => record(r, i, opts));
  records.forEach(seg.insert);
  const docs = records.map((x) => x.document).filter((d): d is string => d !== null);
  let nonTrivial = 0;
  for (let n = 0; n < filters; n++) {
    const node = filter(r, docs, opts);
    const fromSql = seg.select(node);
    const inMemory = records.filter((rec) => matchesWhere(node, rec)).map((rec) => rec.id);
    if (fromSql.length !== inMemory.length || fromSql.some((id, i) => id !== inMemory[i])) {
      expect({ filter: show(node), fromSql, inMemory }).toEqual({ filter: show(node), fromSql: inMemory, inMemory });
    }
    if (fromSql.length > 0 && fromSql.length < records.length) nonTrivial++;
  }
  return nonTrivial;
}

describe('compileWhere ≡ matchesWhere on random data', () => {
  it('latest schema (arrays, bools, trigram FTS)', () => {
    for (const seed of [1, 2, 3]) {
      const nonTrivial = runDifferential('latest', seed, { arrays: true, bools: true }, 700);
      expect(nonTrivial).toBeGreaterThan(150); // the filters do discriminate
    }
  });

  it('no full-text table (documents read from embedding_metadata)', () => {
    runDifferential('no-fts', 4, { arrays: true, bools: true }, 500);
  });

  it('1.x folder before array metadata (metadb/6 missing)', () => {
    runDifferential('no-arrays', 5, { arrays: false, bools: true }, 500);
  });

  it('0.4.0 layout (legacy FTS table, bools in int_value), on data without bools', () => {
    runDifferential('legacy-0.4.0', 6, { arrays: false, bools: false }, 500);
  });

  it('agrees on filters produced by the parser from JS values', () => {
    const r = rng(7);
    const seg = createSegment('latest');
    const records = Array.from({ length: 60 }, (_, i) => record(r, i, { arrays: true, bools: true }));
    records.forEach(seg.insert);
    const raws: unknown[] = [
      { a: 2 },
      { a: 2.5 },
      { a: { $gt: 2.5 } },
      { a: { $gte: 2 } },
      { a: { $ne: 'news' } },
      { b: { $in: [1, 2, 3] } },
      { b: { $nin: [2.5, 3] } },
      { c: { $in: ['a', 'A', '日本'] } },
      { tags: { $contains: 'a' } },
      { tags: { $not_contains: 2 } },
      { tags: { $contains: true } },
      { $or: [{ a: true }, { b: { $lt: 0 } }] },
      { $and: [{ a: { $gte: -3 } }, { '#document': { $not_contains: 'cat' } }] },
      { 'chroma:document': 'x' },
    ];
    for (const raw of raws) {
      const node = parseWhere(raw)!;
      const fromSql = seg.select(node);
      expect(fromSql, show(raw)).toEqual(records.filter((rec) => matchesWhere(node, rec)).map((rec) => rec.id));
    }
  });
});
