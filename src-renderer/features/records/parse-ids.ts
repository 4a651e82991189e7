/** `a, b` / one per line / a JSON array → distinct, non-empty ids. */
export function parseIdList(text: string): string[] {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(t);
      if (Array.isArray(v)) return [...new Set(v.map(String).filter(Boolean))];
    } catch {
      // fall through to the plain list
    }
  }
  return [...new Set(t.split(/[,\n]/).map((s) => s.trim()).filter(Boolean))];
}
