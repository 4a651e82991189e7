/**
 * Compares our answer with Chroma's recorded one: ids and order exact, numbers (distances,
 * embeddings, metadata) within float32 precision, strings and booleans exact, types kept.
 */
export function near(a: number, b: number, rel = 1e-5): boolean {
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

export function diff(expected: unknown, got: unknown, path = '$', rel = 1e-5): string | null {
  if (expected === null || expected === undefined) {
    return got === null || got === undefined ? null : `${path}: expected ${String(expected)}, got ${JSON.stringify(got)?.slice(0, 80)}`;
  }
  if (typeof expected === 'number') {
    return typeof got === 'number' && near(expected, got, rel) ? null : `${path}: expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return `${path}: expected an array, got ${JSON.stringify(got)?.slice(0, 80)}`;
    if (expected.length !== got.length) return `${path}: expected length ${expected.length}, got ${got.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = diff(expected[i], got[i], `${path}[${i}]`, rel);
      if (d) return d;
    }
    return null;
  }
  if (typeof expected === 'object') {
    if (typeof got !== 'object' || got === null || Array.isArray(got)) return `${path}: expected an object, got ${JSON.stringify(got)?.slice(0, 80)}`;
    const keys = new Set([...Object.keys(expected as object), ...Object.keys(got as object)]);
    for (const k of keys) {
      const d = diff((expected as Record<string, unknown>)[k], (got as Record<string, unknown>)[k], `${path}.${k}`, rel);
      if (d) return d;
    }
    return null;
  }
  return expected === got ? null : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)?.slice(0, 80)}`;
}

export interface RecordedCase {
  collection: string;
  label: string;
  op: 'get' | 'query' | 'count';
  args: Record<string, unknown>;
  result?: unknown;
  error?: string;
}

/** A recorded query with no filter (no ids, where or whereDocument): one a first query may answer from the files. */
export function isPlainQuery(c: RecordedCase): boolean {
  const a = c.args as { ids?: unknown; where?: unknown; whereDocument?: unknown };
  return c.op === 'query' && !a.ids && !a.where && !a.whereDocument;
}

export function splitCollection(c: string): { name: string; tenant?: string; database?: string } {
  const [name, td] = c.split('@');
  if (!td) return { name: name! };
  const [tenant, database] = td.split('/');
  return { name: name!, tenant: tenant!, database: database! };
}

/** The fields a case asked for, plus ids; an empty list and a missing one are the same. */
export function compareCase(c: RecordedCase, got: unknown): string | null {
  if (c.op === 'count') return diff(c.result, got);
  const include = (c.args.include as string[] | undefined) ?? (c.op === 'query' ? ['documents', 'metadatas', 'distances'] : ['documents', 'metadatas']);
  for (const f of ['ids', ...include]) {
    const e = (c.result as Record<string, unknown>)[f];
    const g = (got as Record<string, unknown>)[f];
    if (Array.isArray(e) && e.length === 0 && (g === undefined || g === null || (Array.isArray(g) && g.length === 0))) continue;
    const d = diff(e, g, f);
    if (d) return d;
  }
  return null;
}
