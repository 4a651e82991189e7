/**
 * Subsequence fuzzy matching for the command palette. Higher is better; null = no match.
 * Consecutive letters, word starts and an early first hit score higher.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const t = text.toLowerCase();
  const direct = t.indexOf(q);
  if (direct >= 0) return 1000 - direct + (direct === 0 || /[\s/:._-]/.test(t[direct - 1] ?? '') ? 200 : 0);
  let score = 0;
  let ti = 0;
  let prev = -2;
  for (const ch of q) {
    if (ch === ' ') continue;
    const found = t.indexOf(ch, ti);
    if (found < 0) return null;
    score += found === prev + 1 ? 15 : 1;
    if (found === 0 || /[\s/:._-]/.test(t[found - 1] ?? '')) score += 10;
    prev = found;
    ti = found + 1;
  }
  return score - Math.min(ti, 50) / 10;
}

export interface Rankable {
  title: string;
  keywords?: string;
  detail?: string;
}

/** Items matching `query`, best first; stable for equal scores. With no query, everything in order. */
export function rank<T extends Rankable>(items: readonly T[], query: string): T[] {
  if (!query.trim()) return [...items];
  const scored: { item: T; score: number; i: number }[] = [];
  items.forEach((item, i) => {
    const s = Math.max(
      fuzzyScore(query, item.title) ?? -Infinity,
      (fuzzyScore(query, item.keywords ?? '') ?? -Infinity) - 5,
      (fuzzyScore(query, item.detail ?? '') ?? -Infinity) - 20,
    );
    if (s > -Infinity) scored.push({ item, score: s, i });
  });
  scored.sort((a, b) => b.score - a.score || a.i - b.i);
  return scored.map((s) => s.item);
}
