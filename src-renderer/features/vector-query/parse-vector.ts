/** A pasted vector: a JSON array, or numbers separated by commas / whitespace. */
export function parseVector(text: string, expectedDim?: number | null): { ok: true; vector: number[] } | { ok: false; error: string } {
  const t = text.trim();
  if (!t) return { ok: false, error: 'Paste a vector' };
  let values: unknown[];
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (!Array.isArray(v)) return { ok: false, error: 'Expected a JSON array of numbers' };
      values = Array.isArray(v[0]) ? (v[0] as unknown[]) : v;
    } catch (err) {
      return { ok: false, error: `Invalid JSON: ${(err as Error).message}` };
    }
  } else {
    values = t.split(/[\s,]+/).filter(Boolean).map((s) => (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s) ? Number(s) : s));
  }
  if (values.length === 0) return { ok: false, error: 'The vector is empty' };
  const bad = values.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) return { ok: false, error: `Item ${bad} is not a finite number: ${JSON.stringify(values[bad])}` };
  if (expectedDim && values.length !== expectedDim) {
    return { ok: false, error: `The collection has dimension ${expectedDim}; this vector has ${values.length}` };
  }
  return { ok: true, vector: values as number[] };
}
