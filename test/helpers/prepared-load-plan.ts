import { join } from 'node:path';
import { expect } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import type { FilledLoad, PreparedLoad } from '../../src-main/engine/collection/prepared-load.js';
import type { CollectionReader } from '../../src-main/engine/collection/collection-reader.js';
import { readHeaderFile } from '../../src-main/engine/hnsw/segment-files.js';
import { walkElements } from '../../src-main/engine/hnsw/level0-scan.js';
import { Level0LinkCollector } from '../../src-main/engine/hnsw/level0-links.js';
import { PREFAULT_ENV } from '../../src-main/engine/util/prefault.js';
import { idleSliceJobs } from '../../src-main/engine/util/idle-slices.js';
import { referenceFixture } from './paths.js';
import { until } from './wait-for.js';
import { watchStarts } from './prepared-starts.js';

// The background vector load a first query leaves to the second (collection/prepared-load.ts),
// for the tests of it: how to have one made, and what its copy must equal.

/** A reference folder whose `articles` collection (cosine) a first query answers from the files. */
export const seed7 = referenceFixture('chroma-1.3.4-seed7');

/** Opens `data`, asks a first plain query of `name`, and gives the load prepared after it (at the next turn of the event loop). */
export async function firstQuery(data: string, name: string) {
  const starts = watchStarts();
  const folder = ChromaFolder.open(data);
  const reader = folder.collection({ name });
  const dim = reader.dimension!;
  folder.query({ name }, { queryEmbeddings: [Array.from({ length: dim }, (_, i) => Math.sin(i + 1))], nResults: 3 });
  await until(() => starts.started.length > 0, 'the background load to start');
  const prepared = starts.prepared()[0] ?? null;
  starts.restore();
  return { folder, reader, prepared, dim };
}

/** The plan of the load a first query of `articles` prepared, that load let go: for starting it again by hand. */
export async function planAfterFirstQuery() {
  process.env[PREFAULT_ENV] = 'always';
  const { folder, reader, prepared, dim } = await firstQuery(join(seed7, 'data'), 'articles');
  prepared!.release();
  const plan = (prepared as unknown as { plan: Parameters<typeof PreparedLoad.start>[1] }).plan;
  // The first query's own idle work (its pickle's ids compacted, pickle-id-map.ts) ends first:
  // the tests count the idle slices a slot runs.
  await until(() => idleSliceJobs() === 0, "the first query's idle work");
  return { folder, reader, plan, dim };
}

/** The copy against what the reader's own load takes from the files (vectors, norms), and against a walk of data_level0.bin (rows, labels, flags). */
export function expectSameAsTheFiles(filled: FilledLoad, reader: CollectionReader, data: string): void {
  const loaded = reader.vectors({ forQuery: true }).slab;
  expect(filled.slab.size).toBe(loaded.size);
  let compared = 0;
  for (let label = 0; label <= filled.links.maxLabel; label++) {
    const want = loaded.stored(label);
    expect(filled.slab.stored(label), `label ${label}`).toEqual(want);
    expect(filled.slab.norm(label), `label ${label}'s norm`).toBe(loaded.norm(label));
    if (want) compared++;
  }
  expect(compared).toBe(loaded.size);
  const segmentId = reader.catalog.vectorSegment!.id;
  const header = readHeaderFile(join(data, segmentId), `${segmentId}/header.bin`);
  const own = new Level0LinkCollector();
  walkElements(join(data, segmentId, 'data_level0.bin'), header, () => {}, undefined, (chunk, first, count) => own.chunk(chunk, first, count, header));
  const walked = own.result(header);
  if ('problem' in walked) throw new Error(walked.problem);
  const stride = header.maxM0 + 1;
  for (let id = 0; id < header.curElementCount; id++) {
    const n = walked.level0[id * stride]!;
    expect(Array.from(filled.links.level0.subarray(id * stride, id * stride + n + 1)), `element ${id}'s row`).toEqual(Array.from(walked.level0.subarray(id * stride, id * stride + n + 1)));
  }
  expect(Array.from(filled.links.labels)).toEqual(Array.from(walked.labels));
  expect(Array.from(filled.links.deleted)).toEqual(Array.from(walked.deleted));
  expect([filled.links.deletedCount, filled.links.maxLabel]).toEqual([walked.deletedCount, walked.maxLabel]);
}
