import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_PX, isScaled, rowTop, scrollGeometry, toPhysicalOffset, toVirtualOffset } from '../../src-renderer/components/virtual-grid/scaled-scroll.js';

describe('scaled scrolling', () => {
  it('is the identity for small lists', () => {
    const g = scrollGeometry(1000, 26, 500);
    expect(isScaled(g)).toBe(false);
    expect(toVirtualOffset(1234, g)).toBe(1234);
    expect(toPhysicalOffset(1234, g)).toBe(1234);
  });

  it('caps the physical height and still reaches the last row', () => {
    const rows = 5_000_000;
    const g = scrollGeometry(rows, 26, 600);
    expect(isScaled(g)).toBe(true);
    expect(g.physicalHeight).toBe(MAX_SCROLL_PX);
    const maxPhysical = g.physicalHeight - g.viewport;
    const v = toVirtualOffset(maxPhysical, g);
    expect(v).toBeCloseTo(g.virtualHeight - g.viewport, 3);
    const lastVisible = Math.floor((v + g.viewport - 1) / 26);
    expect(lastVisible).toBe(rows - 1);
    expect(toVirtualOffset(0, g)).toBe(0);
  });

  it('maps back and forth consistently and clamps', () => {
    const g = scrollGeometry(2_000_000, 26, 400);
    for (const p of [0, 1, 12345, 3_000_000, g.physicalHeight - g.viewport]) {
      expect(toPhysicalOffset(toVirtualOffset(p, g), g)).toBeCloseTo(p, 5);
    }
    expect(toVirtualOffset(-50, g)).toBe(0);
    expect(toPhysicalOffset(1e12, g)).toBeCloseTo(g.physicalHeight - g.viewport, 5);
  });

  it('positions rows relative to the physical scroll position', () => {
    // A row starting exactly at the virtual offset is drawn at the physical scrollTop.
    expect(rowTop(5_000_000, 5_000_000, 100_000)).toBe(100_000);
    expect(rowTop(5_000_026, 5_000_000, 100_000)).toBe(100_026);
  });
});

describe('offsetToReveal', () => {
  it('scrolls the least needed to show a row', async () => {
    const { offsetToReveal } = await import('../../src-renderer/components/virtual-grid/scaled-scroll.js');
    expect(offsetToReveal(10, 26, 0, 520)).toBeNull();
    expect(offsetToReveal(5, 26, 260, 520)).toBe(130);
    expect(offsetToReveal(40, 26, 0, 520)).toBe(41 * 26 - 520);
  });
});
