import type { GraphLinks } from '../../src-main/engine/hnsw/graph-links.js';

type Required = 'count' | 'maxM0' | 'level0' | 'labels' | 'vectorAt' | 'extra';

/**
 * The links of a hand-built test graph: only level 0 (entry point 0) and no deleted elements,
 * unless given; maxLabel is the highest label.
 */
export function testGraphLinks(g: Pick<GraphLinks, Required> & Partial<GraphLinks>): GraphLinks {
  return {
    maxLevel: 0,
    entryPoint: 0,
    maxM: Math.max(1, g.maxM0 / 2),
    levels: new Uint16Array(g.count),
    upperStart: new Int32Array(g.count).fill(-1),
    upper: new Uint32Array(0),
    deleted: new Uint8Array(g.count),
    deletedCount: 0,
    maxLabel: g.labels.reduce((a, b) => Math.max(a, b), -Infinity),
    ...g,
  };
}
