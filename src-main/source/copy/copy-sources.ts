import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';
import { spaceOf } from './collection-spec.js';
import { cancelledError, copyCollection } from './copy-collection.js';
import type { CollectionCopyReport, CollectionSpec, CopyOptions, CopyReader, CopyReport, CopyWriter, SourceSpec } from './copy-types.js';
import { FolderSource } from './folder-source.js';
import { FolderTarget } from './folder-target.js';
import { ServerSide } from './server-side.js';
import { verifyCopy } from './verify-copy.js';

interface Plan {
  from: CollectionSpec;
  existing: CollectionSpec | null;
  sourceCount: number;
  targetCount: number;
}

async function openReader(spec: SourceSpec, signal?: AbortSignal): Promise<CopyReader> {
  if (spec.kind === 'folder') return FolderSource.open(spec.path, spec.tenant, spec.database);
  const side = await ServerSide.connect(spec.endpoint, signal);
  await side.checkScope();
  return side;
}

/** A folder target without a tenant/database of its own takes the source's: a copy keeps collections where they were. */
async function openWriter(spec: SourceSpec, src: CopyReader, signal?: AbortSignal): Promise<CopyWriter> {
  if (spec.kind === 'server') return ServerSide.connect(spec.endpoint, signal);
  const named = spec.tenant !== undefined || spec.database !== undefined;
  return named ? FolderTarget.open(spec.path, spec.tenant, spec.database) : FolderTarget.open(spec.path, src.tenant, src.database);
}

/** The source's collections to copy, and what the target holds of each; refusals before anything is written. */
async function plan(src: CopyReader, dst: CopyWriter, options: CopyOptions): Promise<Plan[]> {
  let collections: CollectionSpec[];
  if (options.collection !== undefined) {
    const found = await src.findCollection(options.collection);
    if (!found) throw new InspectorError('NOT_FOUND', `Collection ${options.collection} does not exist in ${src.label}`, { collection: options.collection });
    collections = [found];
  } else {
    collections = await src.listCollections();
  }
  const plans: Plan[] = [];
  for (const from of collections) {
    const existing = await dst.findCollection(from.name);
    const targetCount = existing ? await dst.count(existing) : 0;
    const where = `collection ${from.name} already exists in ${dst.label}`;
    if (existing && options.refuseExisting) throw invalidArgument(`${where}: a restore never writes into an existing collection`, { conflict: true, collection: from.name });
    if (existing && targetCount > 0 && !options.resume) {
      throw invalidArgument(`${where} and holds ${targetCount} records: refusing to copy into it (to continue an interrupted copy, run it again with --resume)`, {
        conflict: true,
        collection: from.name,
        targetCount,
      });
    }
    if (existing && spaceOf(existing.configuration) !== spaceOf(from.configuration)) {
      // Distances (and, in cosine space, the vectors Chroma hands back) would differ from the source's.
      throw invalidArgument(
        `${where} with space ${spaceOf(existing.configuration)}, but the source's uses ${spaceOf(from.configuration)}: its distances would not be the source's; copy into another collection or target`,
        { conflict: true, collection: from.name },
      );
    }
    plans.push({ from, existing, sourceCount: await src.count(from), targetCount });
  }
  return plans;
}

/** A folder's path with links resolved, so two spellings of one folder compare equal. */
function realFolder(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Copying onto itself: the same folder, or the same server's same tenant/database. */
function sameSide(a: SourceSpec, b: SourceSpec, src: CopyReader, dst: CopyWriter): boolean {
  if (a.kind === 'folder' && b.kind === 'folder') return realFolder(a.path) === realFolder(b.path);
  return a.kind === 'server' && b.kind === 'server' && a.endpoint.url === b.endpoint.url && src.tenant === dst.tenant && src.database === dst.database;
}

/**
 * Copies one collection (or every collection of the source's tenant/database) from a folder or a
 * server to a folder or a server, then verifies the result. The source is only read. Target
 * collections are created with the source's metadata and configuration (space, HNSW settings,
 * the embedding function as recorded); an existing non-empty one is refused unless `resume`, and
 * then only the ids it lacks are written. Batches are at most the target's max batch size.
 * Progress counts records read from the source over all collections; an abort stops between
 * batches with CANCELLED (resume continues from there).
 */
export async function copySources(source: SourceSpec, target: SourceSpec, options: CopyOptions = {}): Promise<CopyReport> {
  const signal = options.signal;
  if (source.kind === 'folder' && target.kind === 'folder' && realFolder(source.path) === realFolder(target.path)) {
    throw invalidArgument(`the source and the target are the same folder (${realFolder(source.path)})`);
  }
  const src = await openReader(source, signal);
  let dst: CopyWriter | null = null;
  try {
    dst = await openWriter(target, src, signal);
    if (sameSide(source, target, src, dst)) throw invalidArgument(`the source and the target are the same: ${src.label}`);
    const batchSize = options.batchSize ?? dst.maxBatchSize;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidArgument(`batch size must be a positive integer, got ${batchSize}`);
    if (batchSize > dst.maxBatchSize) throw invalidArgument(`batch size ${batchSize} is more than the target's max batch size (${dst.maxBatchSize})`);
    const warnings: string[] = [];
    const plans = await plan(src, dst, options);
    warnings.push(...(await dst.ensureScope()).map((what) => `created ${what} in ${dst!.label}`));

    const total = plans.reduce((n, p) => n + p.sourceCount, 0);
    let done = 0;
    const say = (message: string) => options.onProgress?.({ done, total, message });
    const runs = [];
    for (const p of plans) {
      if (signal?.aborted) throw cancelledError();
      let into = p.existing;
      if (!into) {
        const made = await dst.createCollection(p.from);
        warnings.push(...made.warnings);
        into = made.collection;
      }
      say(`copying ${p.from.name} (${p.sourceCount} records)`);
      try {
        const result = await copyCollection(src, dst, {
          from: p.from,
          into,
          sourceCount: p.sourceCount,
          batchSize,
          checkExisting: p.targetCount > 0,
          sampleSize: options.sampleSize ?? 20,
          signal,
          onBatch: (read) => {
            done += read;
            say(`copied ${done} of ${total} records (${p.from.name})`);
          },
        });
        runs.push({ plan: p, into, created: p.existing === null, ...result });
      } catch (err) {
        if (err instanceof InspectorError && err.code === 'CANCELLED') {
          throw cancelledError(`Cancelled after ${done} of ${total} records (a batch under way when cancelled may have been written as well); run the same copy again with --resume to continue`);
        }
        // A collection this copy created and the target refused to fill (e.g. list metadata on
        // Chroma 1.0) is removed, so that it does not stand in the way of a retry or a restore.
        if (p.existing === null && (await dst.count(into).catch(() => -1)) === 0) await dst.dropCollection(into).catch(() => undefined);
        throw err;
      }
    }
    say('verifying');
    await dst.settle();
    const collections: CollectionCopyReport[] = [];
    for (const r of runs) {
      if (signal?.aborted) throw cancelledError();
      const verification = await verifyCopy(src, dst, r.plan.from, r.into, r.sample, options.queries ?? 5);
      collections.push({
        name: r.plan.from.name,
        created: r.created,
        sourceCount: r.plan.sourceCount,
        copied: r.copied,
        skipped: r.skipped,
        targetCount: verification.targetCount,
        verification,
      });
    }
    return {
      source: src.label,
      target: dst.label,
      scopes: { source: { tenant: src.tenant, database: src.database }, target: { tenant: dst.tenant, database: dst.database } },
      collections,
      ok: collections.every((c) => c.verification.ok),
      warnings,
    };
  } finally {
    await src.close();
    await dst?.close();
  }
}
