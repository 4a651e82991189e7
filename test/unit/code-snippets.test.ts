import { describe, expect, it } from 'vitest';
import { parse } from 'lossless-json';
import { jsGetSnippet, jsLiteral, jsQuerySnippet, pythonGetSnippet, pythonLiteral, pythonQuerySnippet } from '../../src-renderer/features/search/code-snippets.js';
import type { Json } from '../../src-renderer/features/search/filter-to-json.js';

const j = (text: string) => parse(text) as Json;

describe('code snippets', () => {
  it('writes Python literals (True/False/None, floats keep .0)', () => {
    expect(pythonLiteral(j('{"a": true, "b": null, "c": 2.0, "d": [1, "x"]}'))).toBe('{"a": True, "b": None, "c": 2.0, "d": [1, "x"]}');
  });

  it('writes JS literals with bare identifier keys', () => {
    expect(jsLiteral(j('{"$and": [{"my-key": {"$eq": 1.5}}, {"ok": false}]}'))).toBe('{$and: [{"my-key": {$eq: 1.5}}, {ok: false}]}');
  });

  it('builds collection.get for Python', () => {
    expect(pythonGetSnippet({})).toBe('collection.get()');
    expect(pythonGetSnippet({ where: j('{"year": {"$gt": 2010}}'), whereDocument: j('{"$contains": "space"}') })).toBe(
      'collection.get(\n    where={"year": {"$gt": 2010}},\n    where_document={"$contains": "space"},\n)',
    );
  });

  it('builds collection.get for JS', () => {
    expect(jsGetSnippet({})).toBe('await collection.get();');
    expect(jsGetSnippet({ where: j('{"year": {"$gt": 2010}}') })).toBe('await collection.get({\n  where: {year: {$gt: 2010}},\n});');
    expect(jsGetSnippet({ whereDocument: j('{"$regex": "a\\\\d"}') })).toBe('await collection.get({\n  whereDocument: {$regex: "a\\\\d"},\n});');
  });

  it('breaks long filters over several lines, still valid', () => {
    const where = j(`{"$or": [${Array.from({ length: 6 }, (_, i) => `{"category_${i}": {"$eq": "value number ${i}"}}`).join(', ')}]}`);
    const py = pythonGetSnippet({ where });
    expect(py.split('\n').length).toBeGreaterThan(6);
    expect(py).toContain('"$or": [');
    const js = jsGetSnippet({ where });
    expect(js).toContain('$or: [');
    // JS output must evaluate to the same object.
    const body = js.replace(/^await collection\.get\(/, '(').replace(/\);$/, ')');
    const obj = new Function(`return ${body}`)() as { where: unknown };
    expect(obj.where).toEqual(JSON.parse(JSON.stringify(where, (_k, v: unknown) => (v && typeof v === 'object' && 'isLosslessNumber' in v ? Number(String(v)) : v))));
  });

  it('builds query snippets with elided vectors', () => {
    const py = pythonQuerySnippet({ embedding: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], nResults: 5 });
    expect(py).toContain('query_embeddings=[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, ...]]');
    expect(py).toContain('n_results=5');
    const js = jsQuerySnippet({ embedding: [1, 2], nResults: 3, where: j('{"a": 1}') });
    expect(js).toContain('queryEmbeddings: [[1, 2]]');
    expect(js).toContain('where: {a: 1}');
  });

  it('passes the text of a query by text, as the client embeds it itself', () => {
    const text = 'the "cat" sat';
    const py = pythonQuerySnippet({ embedding: [0.1, 0.2], nResults: 4, text });
    expect(py).toContain('query_texts=["the \\"cat\\" sat"]');
    expect(py).not.toContain('query_embeddings');
    const js = jsQuerySnippet({ embedding: [0.1, 0.2], nResults: 4, text });
    expect(js).toContain('queryTexts: ["the \\"cat\\" sat"]');
  });
});
