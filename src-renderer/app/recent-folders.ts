/** Recently opened folder paths, most recent first, kept in localStorage. */
const KEY = 'chroma-inspector.recent-folders';
export const MAX_RECENT = 10;

export function addRecent(list: readonly string[], path: string, max = MAX_RECENT): string[] {
  const p = path.trim();
  if (!p) return [...list];
  return [p, ...list.filter((x) => x !== p)].slice(0, max);
}

export function removeRecent(list: readonly string[], path: string): string[] {
  return list.filter((x) => x !== path);
}

export function parseRecent(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0).slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export function loadRecent(): string[] {
  try {
    return parseRecent(localStorage.getItem(KEY));
  } catch {
    return [];
  }
}

export function saveRecent(list: readonly string[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
  } catch {
    // storage disabled: recents are a convenience only
  }
}
