import { describe, expect, it } from 'vitest';
import { parseWhereDocumentText, parseWhereText } from '../../src-renderer/features/search/json-to-filter.js';
import { toPlain, whereDocumentToJson, whereToJson } from '../../src-renderer/features/search/filter-to-json.js';
import { jsonText } from '../../src-renderer/features/search/code-snippets.js';
import type { WhereCondition, WhereGroup } from '../../src-renderer/features/search/filter-model.js';

function roundTrip(text: string): string {
  const parsed = parseWhereText(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return jsonText(whereToJson(parsed.value).value);
}

describe('where JSON → builder', () => {
  it('reads shorthand equality and explicit operators with types', () => {
    const r = parseWhereText('{"$and": [{"genre": "sci-fi"}, {"year": {"$gt": 2010}}, {"price": {"$lte": 9.0}}, {"ok": {"$ne": false}}]}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const conds = r.value.children as WhereCondition[];
    expect(r.value.op).toBe('$and');
    expect(conds.map((c) => [c.key, c.op, c.type, c.value])).toEqual([
      ['genre', '$eq', 'string', 'sci-fi'],
      ['year', '$gt', 'int', '2010'],
      ['price', '$lte', 'float', '9.0'],
      ['ok', '$ne', 'bool', 'false'],
    ]);
  });

  it('round-trips nested groups, lists and floats exactly', () => {
    const text = '{\n  "$or": [\n    {\n      "a": {\n        "$in": [\n          1.0,\n          2.5\n        ]\n      }\n    },\n    {\n      "$and": [\n        {\n          "b": {\n            "$contains": "x"\n          }\n        },\n        {\n          "c": {\n            "$nin": [\n              "p",\n              "q"\n            ]\n          }\n        }\n      ]\n    }\n  ]\n}';
    expect(roundTrip(text)).toBe(text);
  });

  it('wraps a lone condition in a root $and group', () => {
    const r = parseWhereText('{"k": {"$eq": 1}}');
    expect(r.ok && r.value.kind === 'group' && r.value.children.length === 1).toBe(true);
  });

  it('treats empty text as no filter', () => {
    const r = parseWhereText('  ');
    expect(r.ok && (r.value as WhereGroup).children.length === 0).toBe(true);
  });

  it('tells syntax errors from shapes the builder cannot show', () => {
    const syntax = parseWhereText('{"a": ');
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.jsonError).toBe(true);
    const twoKeys = parseWhereText('{"a": 1, "b": 2}');
    expect(twoKeys.ok).toBe(false);
    if (!twoKeys.ok) {
      expect(twoKeys.jsonError).toBe(false);
      expect(twoKeys.error).toMatch(/exactly one key/);
    }
    const badOp = parseWhereText('{"a": {"$like": "x"}}');
    expect(badOp.ok).toBe(false);
    const mixed = parseWhereText('{"a": {"$in": ["x", 1]}}');
    expect(mixed.ok).toBe(false);
  });
});

describe('where_document JSON → builder', () => {
  it('reads operators and groups', () => {
    const r = parseWhereDocumentText('{"$and": [{"$contains": "cat"}, {"$not_regex": "dog$"}]}');
    expect(r.ok).toBe(true);
    if (r.ok) expect(toPlain(whereDocumentToJson(r.value).value)).toEqual({ $and: [{ $contains: 'cat' }, { $not_regex: 'dog$' }] });
  });

  it('rejects non-string operands and unknown operators', () => {
    expect(parseWhereDocumentText('{"$contains": 3}').ok).toBe(false);
    expect(parseWhereDocumentText('{"$has": "x"}').ok).toBe(false);
  });
});
