import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HnswHeader } from '../../shared/models.js';
import type { GraphLinks } from '../../src-main/engine/hnsw/graph-links.js';
import { Level0File, level0StampOfStat } from '../../src-main/engine/hnsw/level0-file.js';

type Required = 'count' | 'maxM0' | 'level0' | 'labels' | 'vectorAt' | 'extra';

/**
 * The links of a hand-built test graph: only level 0 (entry point 0) and no deleted elements,
 * unless given; maxLabel is the highest label.
 */
export function testGraphLinks(g: Pick<GraphLinks, Required> & Partial<GraphLinks>): GraphLinks {
  return {
    maxLevel: 0,
    entryPoint: 0,
    level0File: null,
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

/**
 * The same links with their level-0 rows moved to a data_level0.bin laid out as hnswlib's
 * (count and neighbours, then zeros for the vector and label): the walk then reads each row from
 * the file (hnsw/level0-file.ts), as a loaded graph past level0Tuning.inFilesFromBytes does.
 */
export function withRowsInFile(links: GraphLinks, dir: string): GraphLinks {
  const stride0 = links.maxM0 + 1;
  const size = stride0 * 4 + 16;
  const rows = Buffer.alloc(links.count * size);
  for (let id = 0; id < links.count; id++) {
    for (let k = 0; k < stride0; k++) rows.writeUInt32LE(links.level0[id * stride0 + k]!, id * size + 4 * k);
  }
  const file = join(dir, 'data_level0.bin');
  writeFileSync(file, rows);
  const st = statSync(file, { bigint: true });
  const header = { curElementCount: links.count, sizeDataPerElement: size, maxM0: links.maxM0 } as HnswHeader;
  return { ...links, level0: new Uint32Array(0), level0File: new Level0File(file, header, level0StampOfStat(st)) };
}
