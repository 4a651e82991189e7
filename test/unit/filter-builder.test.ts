import { describe, expect, it } from 'vitest';
import { emptyGroup, newDocCondition, newWhereCondition, appendChild, removeNode, updateNode, type WhereGroup, type WhereCondition } from '../../src-renderer/features/search/filter-model.js';
import { parseTyped, toPlain, whereDocumentToJson, whereToJson } from '../../src-renderer/features/search/filter-to-json.js';
import { jsonText } from '../../src-renderer/features/search/code-snippets.js';

const group = (op: '$and' | '$or', ...children: WhereGroup['children']): WhereGroup => ({ ...emptyGroup<WhereCondition>(op), children });

describe('builder → where JSON', () => {
  it('gives no filter for an empty builder', () => {
    const r = whereToJson(emptyGroup());
    expect(r.value).toBeUndefined();
    expect(r.errors.size).toBe(0);
  });

  it('unwraps a single condition and keeps explicit operators', () => {
    const r = whereToJson(group('$and', newWhereCondition({ key: 'genre', op: '$eq', type: 'string', value: 'fiction' })));
    expect(toPlain(r.value)).toEqual({ genre: { $eq: 'fiction' } });
  });

  it('types values: int, float (keeps .0), bool, string', () => {
    const r = whereToJson(
      group(
        '$and',
        newWhereCondition({ key: 'year', op: '$gte', type: 'int', value: '2010' }),
        newWhereCondition({ key: 'price', op: '$lt', type: 'float', value: '3' }),
        newWhereCondition({ key: 'ok', op: '$eq', type: 'bool', value: 'true' }),
        newWhereCondition({ key: 'n', op: '$ne', type: 'string', value: '42' }),
      ),
    );
    expect(jsonText(r.value)).toContain('"$lt": 3.0');
    expect(toPlain(r.value)).toEqual({ $and: [{ year: { $gte: 2010 } }, { price: { $lt: 3 } }, { ok: { $eq: true } }, { n: { $ne: '42' } }] });
  });

  it('nests $or groups and drops empty ones', () => {
    const r = whereToJson(
      group(
        '$and',
        newWhereCondition({ key: 'a', op: '$eq', type: 'int', value: '1' }),
        group('$or', newWhereCondition({ key: 'b', op: '$eq', type: 'string', value: 'x' }), newWhereCondition({ key: 'b', op: '$eq', type: 'string', value: 'y' })),
        group('$or'),
      ),
    );
    expect(toPlain(r.value)).toEqual({ $and: [{ a: { $eq: 1 } }, { $or: [{ b: { $eq: 'x' } }, { b: { $eq: 'y' } }] }] });
  });

  it('parses $in / $nin lists, comma-separated or JSON', () => {
    const r1 = whereToJson(group('$and', newWhereCondition({ key: 'tag', op: '$in', type: 'string', value: 'a, b ,c' })));
    expect(toPlain(r1.value)).toEqual({ tag: { $in: ['a', 'b', 'c'] } });
    const r2 = whereToJson(group('$and', newWhereCondition({ key: 'tag', op: '$nin', type: 'string', value: '["a,b", "c"]' })));
    expect(toPlain(r2.value)).toEqual({ tag: { $nin: ['a,b', 'c'] } });
    const r3 = whereToJson(group('$and', newWhereCondition({ key: 'n', op: '$in', type: 'float', value: '1, 2.5' })));
    expect(jsonText(r3.value).replace(/\s+/g, '')).toBe('{"n":{"$in":[1.0,2.5]}}');
  });

  it('reports per-condition errors', () => {
    const bad = newWhereCondition({ key: 'year', op: '$gt', type: 'int', value: '3.5' });
    const noKey = newWhereCondition({ key: '', op: '$eq', type: 'string', value: 'x' });
    const empty = newWhereCondition({ key: 'x', op: '$in', type: 'int', value: '' });
    const r = whereToJson(group('$and', bad, noKey, empty));
    expect(r.errors.get(bad.id)).toMatch(/not an integer/);
    expect(r.errors.get(noKey.id)).toMatch(/key/);
    expect(r.errors.get(empty.id)).toMatch(/at least one/);
  });

  it('normalises float spellings', () => {
    const t = (s: string) => {
      const v = parseTyped(s, 'float');
      return v instanceof Error ? 'error' : jsonText(v as never);
    };
    expect(t('3')).toBe('3.0');
    expect(t('3.')).toBe('3.0');
    expect(t('.5')).toBe('0.5');
    expect(t('-2.25')).toBe('-2.25');
    expect(t('1e5')).toBe('1e5');
    expect(t('abc')).toBe('error');
  });

  it('builds where_document trees', () => {
    const g = { ...emptyGroup<ReturnType<typeof newDocCondition>>('$or'), children: [newDocCondition({ value: 'cat' }), newDocCondition({ op: '$regex', value: '^d.g' })] };
    expect(toPlain(whereDocumentToJson(g).value)).toEqual({ $or: [{ $contains: 'cat' }, { $regex: '^d.g' }] });
    const empty = newDocCondition({ value: '' });
    expect(whereDocumentToJson({ ...emptyGroup(), children: [empty] }).errors.has(empty.id)).toBe(true);
  });
});

describe('builder tree edits', () => {
  it('appends, updates and removes nodes anywhere', () => {
    const c = newWhereCondition({ key: 'a' });
    const inner = group('$or');
    let root = group('$and', c, inner);
    const d = newWhereCondition({ key: 'd' });
    root = appendChild(root, inner.id, d);
    root = updateNode(root, d.id, (n) => ({ ...n, key: 'dd' }) as WhereCondition);
    expect(((root.children[1] as WhereGroup).children[0] as WhereCondition).key).toBe('dd');
    root = removeNode(root, d.id);
    expect((root.children[1] as WhereGroup).children).toHaveLength(0);
    root = removeNode(root, c.id);
    expect(root.children).toHaveLength(1);
  });
});
