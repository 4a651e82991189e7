/**
 * Browsers cap an element's height (Chromium ~33.5M px, Firefox ~17.9M px), so 1M rows × 28px
 * cannot be laid out 1:1. Above `MAX_SCROLL_PX` the scroll area is compressed: the physical
 * scrollbar spans a capped height and its position maps linearly onto the virtual one, so the
 * first and last rows are both reachable.
 */
export const MAX_SCROLL_PX = 8_000_000;

export interface ScrollGeometry {
  /** Height all rows would need. */
  virtualHeight: number;
  /** Height actually given to the scroll content. */
  physicalHeight: number;
  /** Visible height for rows (viewport minus the sticky header). */
  viewport: number;
}

export function scrollGeometry(rows: number, rowHeight: number, viewport: number, max = MAX_SCROLL_PX): ScrollGeometry {
  const virtualHeight = Math.max(0, rows * rowHeight);
  return { virtualHeight, physicalHeight: Math.min(virtualHeight, max), viewport: Math.max(0, viewport) };
}

export const isScaled = (g: ScrollGeometry) => g.virtualHeight > g.physicalHeight;

/** Physical scrollTop → virtual offset (the position in the full, uncapped list). */
export function toVirtualOffset(physical: number, g: ScrollGeometry): number {
  if (!isScaled(g)) return physical;
  const physRange = g.physicalHeight - g.viewport;
  const virtRange = g.virtualHeight - g.viewport;
  if (physRange <= 0) return 0;
  const clamped = Math.min(Math.max(physical, 0), physRange);
  return (clamped / physRange) * virtRange;
}

/** Virtual offset → physical scrollTop. */
export function toPhysicalOffset(virtual: number, g: ScrollGeometry): number {
  if (!isScaled(g)) return virtual;
  const physRange = g.physicalHeight - g.viewport;
  const virtRange = g.virtualHeight - g.viewport;
  if (virtRange <= 0) return 0;
  const clamped = Math.min(Math.max(virtual, 0), virtRange);
  return (clamped / virtRange) * physRange;
}

/**
 * Where to draw a row inside the physical content: rows are laid out around the current scroll
 * position, shifted by the difference between virtual and physical offsets.
 */
export function rowTop(virtualStart: number, virtualOffset: number, physicalOffset: number): number {
  return virtualStart - (virtualOffset - physicalOffset);
}

/**
 * The virtual offset that brings row `index` fully into view with the least movement, or null when
 * it is visible already.
 */
export function offsetToReveal(index: number, rowHeight: number, virtualOffset: number, viewport: number): number | null {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < virtualOffset) return top;
  if (bottom > virtualOffset + viewport) return Math.max(0, bottom - viewport);
  return null;
}
