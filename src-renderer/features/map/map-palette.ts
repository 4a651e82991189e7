import type { MapColors } from '../../../shared/models.js';

/** Distinct hues for categories (Tableau-like), then grey for "no value". */
export const CATEGORY_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#86bcb6', '#d37295', '#8cd17d'];
/** A light-to-dark blue ramp for numbers, in ten bins. */
export const NUMBER_COLORS = ['#dbe9f6', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08458a', '#083a78', '#08306b'];
export const MISSING = '#9aa0a6';
export const PLAIN = '#4f6bed';

/** Per point: the index into the palette `paletteFor` gives (numbers binned into ten steps). */
export function colorIndices(colors: MapColors | null, count: number): { values: Float32Array; palette: string[] } {
  const values = new Float32Array(count);
  if (!colors) return { values, palette: [PLAIN] };
  const palette = colors.kind === 'number' ? [...NUMBER_COLORS, MISSING] : [...CATEGORY_COLORS.slice(0, colors.categories.length), MISSING];
  const missing = palette.length - 1;
  for (let i = 0; i < count; i++) {
    const v = colors.values[i] ?? -1;
    values[i] = v < 0 ? missing : colors.kind === 'number' ? Math.min(9, Math.floor(v * 10)) : v;
  }
  return { values, palette };
}

/** Legend entries: category names, or the number range in ten steps. */
export function legend(colors: MapColors | null): { label: string; color: string }[] {
  if (!colors) return [];
  if (colors.kind === 'number') {
    const [lo, hi] = [colors.min ?? 0, colors.max ?? 1];
    return [
      { label: `${lo}`, color: NUMBER_COLORS[0]! },
      { label: `${hi}`, color: NUMBER_COLORS[9]! },
      { label: 'no value', color: MISSING },
    ];
  }
  return [...colors.categories.map((c, i) => ({ label: c, color: CATEGORY_COLORS[i]! })), { label: 'no value', color: MISSING }];
}
