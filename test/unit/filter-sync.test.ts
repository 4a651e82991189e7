import { describe, expect, it } from 'vitest';
import { emptyWhere, fromBuilder, fromText, resolveFilter, whereKind } from '../../src-renderer/features/search/filter-sync.js';
import { newWhereCondition } from '../../src-renderer/features/search/filter-model.js';

describe('builder ⇄ JSON sync', () => {
  it('builder edits rewrite the text', () => {
    const s0 = emptyWhere();
    expect(s0.text).toBe('');
    const s1 = fromBuilder({ ...s0.group, children: [newWhereCondition({ key: 'a', type: 'float', value: '1' })] }, whereKind);
    expect(s1.text.replace(/\s+/g, '')).toBe('{"a":{"$eq":1.0}}');
    expect(resolveFilter(s1, whereKind, 'where')).toMatchObject({ ok: true, value: { a: { $eq: 1 } } });
  });

  it('valid text updates the builder; invalid text keeps it', () => {
    const s1 = fromText(emptyWhere(), '{"year": {"$gt": 2000}}', whereKind);
    expect(s1.note).toBeNull();
    expect(s1.group.children).toHaveLength(1);
    const s2 = fromText(s1, '{"year": {"$gt": ', whereKind);
    expect(s2.group).toBe(s1.group);
    expect(s2.jsonError).toBe(true);
    expect(resolveFilter(s2, whereKind, 'where').ok).toBe(false);
  });

  it('runs valid JSON the builder cannot show, as typed', () => {
    const s = fromText(emptyWhere(), '{"a": 1, "b": 2}', whereKind);
    expect(s.jsonError).toBe(false);
    expect(s.note).toMatch(/exactly one key/);
    expect(resolveFilter(s, whereKind, 'where')).toMatchObject({ ok: true, value: { a: 1, b: 2 } });
  });

  it('blocks Run while the builder has errors', () => {
    const s = fromBuilder({ ...emptyWhere().group, children: [newWhereCondition({ key: 'n', type: 'int', value: 'x' })] }, whereKind);
    const r = resolveFilter(s, whereKind, 'where');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/where: "x" is not an integer/);
  });
});
