import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { resolveHnswParams } from '../../src-main/engine/catalog/hnsw-params.js';
import { FolderWriter } from '../../src-main/engine/write/folder-writer.js';
import { writeRecords, type RecordWrite } from '../../src-main/engine/write/record-writes.js';
import type { VectorTarget } from '../../src-main/engine/write/vector-persist.js';
import { PersistentClient } from '../../src-main/index.js';
import { CRASH_DIM, batchRecords } from './crash-batches.js';

/**
 * A new folder whose one collection has a checkpoint of `persisted` records (batch 1, written by
 * PersistentClient and persisted at close), `tail` more records (batch 2) in the WAL above it, and
 * a writer on the folder with the collection's target: for the write engine's parts, called directly.
 */
export async function checkpointedWriter(prefix: string, persisted: number, tail: number) {
  const dir = join(mkdtempSync(join(tmpdir(), prefix)), 'data');
  const client = new PersistentClient({ path: dir });
  await (await client.createCollection({ name: 'checkpointed', configuration: { hnsw: { sync_threshold: 100_000 } }, embeddingFunction: null })).add(batchRecords(1, persisted));
  await client.close();
  const reader = ChromaFolder.open(dir);
  const c = reader.catalog.collections[0]!;
  reader.close();
  const p = resolveHnswParams(c);
  const target: VectorTarget & { collectionId: string } = {
    collectionId: c.id,
    topic: c.topic,
    metadataSegmentId: c.metadataSegment!.id,
    vectorSegmentId: c.vectorSegment!.id,
    dimension: CRASH_DIM,
    space: p.space,
    maxNeighbors: p.maxNeighbors,
    efConstruction: p.efConstruction,
    efSearch: p.efSearch,
  };
  const w = FolderWriter.open(dir);
  const write = (op: 'ADD' | 'UPDATE' | 'UPSERT' | 'DELETE', records: RecordWrite[]) => writeRecords(w, target, op, records);
  /** Batch `b`'s first `n` records with their vectors. */
  const rows = (b: number, n: number): RecordWrite[] => {
    const r = batchRecords(b, n);
    return r.ids.map((id, i) => ({ id, vector: Float32Array.from(r.embeddings[i]!) }));
  };
  if (tail > 0) write('ADD', rows(2, tail));
  return { dir, w, target, write, rows };
}
