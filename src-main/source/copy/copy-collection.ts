import { InspectorError } from '../../../shared/errors.js';
import type { CollectionSpec, CopyReader, CopyRecord, CopyWriter } from './copy-types.js';

export interface CollectionCopyRun {
  from: CollectionSpec;
  into: CollectionSpec;
  /** Records the source held when the copy started: what the sample is spread over. */
  sourceCount: number;
  batchSize: number;
  /** The target held records when the copy started: each batch's ids are checked against it. */
  checkExisting: boolean;
  sampleSize: number;
  signal?: AbortSignal;
  /** Called after each batch with the records read from the source in it. */
  onBatch: (read: number) => void;
}

export interface CollectionCopyResult {
  copied: number;
  skipped: number;
  /** Records spread evenly over the source, kept to compare with the target at the end. */
  sample: CopyRecord[];
}

export const cancelledError = (message = 'Cancelled') => new InspectorError('CANCELLED', message, { reason: 'cancelled' });

/**
 * Copies one collection a batch at a time: a page of the source (never the whole collection in
 * memory), minus the ids the target already holds when resuming, written as one add. A batch
 * is the unit of progress and of cancel: between batches the target holds whole batches only
 * (a folder writes each in one transaction; a server add that was cut short is caught by the
 * id check of the resumed copy).
 */
export async function copyCollection(src: CopyReader, dst: CopyWriter, run: CollectionCopyRun): Promise<CollectionCopyResult> {
  const step = Math.max(1, Math.floor(run.sourceCount / Math.max(1, run.sampleSize)));
  const sample: CopyRecord[] = [];
  let copied = 0;
  let skipped = 0;
  let offset = 0;
  for (;;) {
    if (run.signal?.aborted) throw cancelledError();
    const page = await src.readPage(run.from, offset, run.batchSize);
    if (page.length === 0) break;
    for (let i = 0; i < page.length; i++) {
      if ((offset + i) % step === 0 && sample.length < run.sampleSize) sample.push(page[i]!);
      if (!page[i]!.embedding) {
        throw new InspectorError('INVALID_ARGUMENT', `${src.label}: record ${JSON.stringify(page[i]!.id)} of ${run.from.name} came without an embedding; Chroma cannot add it`);
      }
    }
    offset += page.length;
    let writes = page;
    if (run.checkExisting) {
      const present = await dst.presentIds(run.into, page.map((r) => r.id));
      if (present.size > 0) writes = page.filter((r) => !present.has(r.id));
    }
    if (run.signal?.aborted) throw cancelledError();
    if (writes.length > 0) await dst.add(run.into, writes);
    copied += writes.length;
    skipped += page.length - writes.length;
    run.onBatch(page.length);
    // Only an empty page ends the copy: a server may answer fewer records than asked (a quota).
  }
  return { copied, skipped, sample };
}
