import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import type { CatalogCollection } from '../catalog/read-catalog.js';
import { resolveHnswParams } from '../catalog/hnsw-params.js';
import { SQLITE_FILE } from '../folder/folder-files.js';
import { createChromaFolder } from './create-folder.js';
import { FolderWriter, type WriterOptions } from './folder-writer.js';
import { writeRecords, type RecordWrite, type WriteResult } from './record-writes.js';
import { removeFolder } from './segment-swap.js';
import { BuildExtensions } from './build-extensions.js';
import { extendVectorPersist } from './persist-extension.js';
import {
  pendingVectorRows,
  persistVectorSegment,
  prepareVectorPersistSliced,
  publishVectorPersist,
  publishedCheckpointSeq,
  stageVectorPersist,
  vectorCheckpointBaseSliced,
  type PreparedPersist,
  type VectorTarget,
} from './vector-persist.js';
import type { WriteOperation } from './wal-encode.js';
import type { DecodedPickle } from '../hnsw/checkpoint.js';
import * as sysdb from './sysdb-writes.js';
import { nextTurn } from '../util/next-turn.js';

export interface EmbeddedFolderOptions extends WriterOptions {
  /** Persist a collection's HNSW checkpoint once this many WAL rows wait for it. Default: the collection's sync_threshold. */
  syncThreshold?: number;
}

/**
 * A Chroma folder opened for reading and writing in this process: the read engine (ChromaFolder)
 * answers every read, the writer appends and applies, and all calls run one at a time so a
 * checkpoint persist never interleaves with a write or a read. A path that does not exist becomes
 * a new folder with Chroma's current schema.
 */
export class EmbeddedFolder {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Collections this process wrote to: the ones close() persists (reads never write the folder). */
  private readonly written = new Set<string>();
  /** V per vector segment, known once read: only this process writes while the folder is open. */
  private readonly checkpointSeqs = new Map<string, number>();
  /** Checkpoints being built after a write, by vector segment: at most one each (see startPersist). */
  private readonly building = new Map<string, BackgroundPersist>();
  /** Moves when the builds under way are dropped (close without flushing): a build begun before is not swapped in. */
  private generation = 0;

  private constructor(
    readonly dir: string,
    readonly reader: ChromaFolder,
    /** The writer, or why this folder cannot be written (e.g. a Chroma server has it open). */
    private readonly writerOrError: FolderWriter | InspectorError,
    private readonly opts: EmbeddedFolderOptions,
  ) {}

  static open(path: string, opts: EmbeddedFolderOptions = {}): EmbeddedFolder {
    const dir = resolve(path);
    if (existsSync(join(dir, 'chroma-collections.parquet'))) {
      throw new InspectorError('UNSUPPORTED_FORMAT', `${dir} is a pre-0.4 Chroma folder (duckdb+parquet); convert it with chroma-migrate first`, { path: dir });
    }
    if (!existsSync(join(dir, SQLITE_FILE))) createChromaFolder(dir);
    let writer: FolderWriter | InspectorError;
    try {
      // Before the reader: a read-write connection rolls back a hot journal left by a killed writer.
      writer = FolderWriter.open(dir, opts);
    } catch (err) {
      if (!(err instanceof InspectorError) || err.code !== 'FOLDER_BUSY') throw err;
      writer = err;
    }
    try {
      const reader = ChromaFolder.open(dir);
      // The WAL purged behind a published checkpoint changes nothing the reader shows: it keeps its
      // loaded vectors and caches (else the next read after each purge step would rebuild them).
      if (writer instanceof FolderWriter) writer.unseenCommit = (commit) => reader.keepReadersAcross(commit);
      // The client prepares each call (collection.ts): a vector load left by a first query finishes while it is idle.
      reader.finishLoadsWhenIdle();
      return new EmbeddedFolder(dir, reader, writer, opts);
    } catch (err) {
      if (writer instanceof FolderWriter) writer.close();
      throw err;
    }
  }

  /** The writer; throws why not when this folder must not be written. */
  get writer(): FolderWriter {
    if (this.writerOrError instanceof InspectorError) throw this.writerOrError;
    void this.writerOrError.era; // throws when the era cannot be written
    return this.writerOrError;
  }

  /** Calls start once `previous` has settled (embedded-folder-registry.ts: the close of this folder's previous EmbeddedFolder in this process). */
  queueAfter(previous: Promise<unknown>): void {
    this.queue = Promise.all([this.queue, previous.catch(() => undefined)]);
  }

  /** Runs calls one at a time, in order; a checkpoint built in the background is swapped in first. */
  run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const call = async () => {
      // Queued before close() ran: the connections are gone.
      if (this.closed) throw this.closedError();
      // While a checkpoint builds, the call first lets the event loop turn once. The build's
      // "done" arrives as a message from its thread (a macrotask); a caller that awaits one call
      // after another only ever runs microtasks, and would otherwise never see it: every build
      // would wait for the caller to pause, and the rows for the next one would pile up.
      if (this.building.size > 0) await nextTurn();
      this.publishBuilt(await this.checkBeforePublishing());
      return fn();
    };
    const next = this.queue.then(call, call);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** After a write: reads see the new catalog and records. */
  refresh(): void {
    this.reader.refresh();
  }

  collection(id: string): CatalogCollection {
    const c = this.reader.catalog.collections.find((x) => x.id === id);
    if (!c) throw new InspectorError('NOT_FOUND', `Collection ${id} does not exist`, { id });
    return c;
  }

  private vectorTarget(c: CatalogCollection, dimension: number): VectorTarget | null {
    if (!c.metadataSegment || !c.vectorSegment) return null;
    const p = resolveHnswParams(c);
    return {
      topic: c.topic,
      metadataSegmentId: c.metadataSegment.id,
      vectorSegmentId: c.vectorSegment.id,
      dimension,
      space: p.space,
      maxNeighbors: p.maxNeighbors,
      efConstruction: p.efConstruction,
      efSearch: p.efSearch,
    };
  }

  /**
   * The writer, once a scan in a worker thread found no other process holding the folder; `fn`
   * (synchronous: one call's writes) runs under that verdict (FolderWriter.whileClear). Calls that
   * only read never wait for the scan.
   */
  private async writing<T>(fn: (w: FolderWriter) => T): Promise<T> {
    const w = this.writer;
    await w.checkOtherProcesses();
    return w.whileClear(() => fn(w));
  }

  /** One add/update/upsert/delete call; then the checkpoint is persisted if enough rows wait for it. */
  async writeRecords(collectionId: string, op: WriteOperation, records: readonly RecordWrite[]): Promise<WriteResult> {
    const c = this.collection(collectionId);
    if (!c.metadataSegment || !c.vectorSegment) {
      throw new InspectorError('INTERNAL', `Collection ${c.name} has no metadata or vector segment`);
    }
    const segments = { collectionId, topic: c.topic, metadataSegmentId: c.metadataSegment.id, vectorSegmentId: c.vectorSegment.id };
    const result = await this.writing((w) => writeRecords(w, segments, op, records));
    this.refresh();
    if (result.dimension !== null) this.persistIfDue(this.collection(collectionId), result.dimension);
    this.written.add(collectionId);
    return result;
  }

  /** Rows waiting above the checkpoint (V is found first if this process does not know it yet). */
  private async pendingRows(w: FolderWriter, target: VectorTarget): Promise<number> {
    let v = this.checkpointSeqs.get(target.vectorSegmentId);
    if (v === undefined) {
      v = (await vectorCheckpointBaseSliced(w, target)).seq;
      this.checkpointSeqs.set(target.vectorSegmentId, v);
    }
    return pendingVectorRows(w, target, v);
  }

  /** Starts a persist when sync_threshold rows (or the folder's own threshold) wait above the checkpoint. */
  private persistIfDue(c: CatalogCollection, dimension: number): void {
    const target = this.vectorTarget(c, dimension);
    if (!target) return;
    const threshold = this.opts.syncThreshold ?? resolveHnswParams(c).syncThreshold;
    const job = this.building.get(target.vectorSegmentId);
    // With a build under way, the rows written since it began join it when they only add
    // (extendVectorPersist), rather than wait for a next build that loads and saves it all again.
    // A job still finding V or reading the checkpoint takes them in the tail it reads last.
    if (job) {
      if (job.prepared && pendingVectorRows(this.writer, target, job.prepared.lastSeq) >= threshold) this.extendBuild(job);
    } else {
      const v = this.checkpointSeqs.get(target.vectorSegmentId);
      // V not known yet (this process's first write to the segment): the job finds it, without
      // holding up this call (decoding the pickle is a quarter of a second at a million ids).
      if (v === undefined) this.startPersist(target, threshold);
      else if (pendingVectorRows(this.writer, target, v) >= threshold) this.startPersist(target, null);
    }
  }

  /**
   * Persists a checkpoint without holding up the calls that follow: the checkpoint is read and
   * checked in slices of this thread between later calls, the graph is built while they run (in a
   * worker thread, or in slices of this one in a serve engine: write/checkpoint-build.ts), and the
   * new folder is swapped in at the start of the first call after it is ready (publishBuilt), or
   * by itself when none comes. Reads meanwhile see the old checkpoint and the WAL above it, as a
   * fresh process would. One job per segment at a time: rows written once its tail is read wait
   * for the next (or join its build: extendBuild).
   *
   * `threshold`: V is not known yet; the job finds it first and persists only if this many rows
   * wait above it. Null: persist what waits.
   */
  private startPersist(target: VectorTarget, threshold: number | null): void {
    const seg = target.vectorSegmentId;
    if (this.building.has(seg)) return;
    const abort = new AbortController();
    const job: BackgroundPersist = {
      prepared: null,
      generation: this.generation,
      abort,
      extensions: new BuildExtensions(),
      outcome: null,
      settled: null as unknown as Promise<void>,
    };
    const w = this.writer;
    const signal = abort.signal;
    const persist = async (): Promise<NonNullable<BackgroundPersist['outcome']>> => {
      // The pickle decoded to find V is handed on, not kept: held until rows reach the threshold,
      // it would keep a million ids in memory for a persist that may never come.
      let decoded: DecodedPickle | null = null;
      // On a turn of its own: the write that started it returns first.
      await nextTurn();
      if (threshold !== null) {
        const base = await vectorCheckpointBaseSliced(w, target, signal);
        if (pendingVectorRows(w, target, base.seq) < threshold) return { idle: base.seq };
        decoded = base.pickle;
      }
      const prepared = await prepareVectorPersistSliced(w, target, decoded, signal);
      if (!prepared) return { idle: null };
      job.prepared = prepared;
      return { staging: await stageVectorPersist(w, prepared, { signal, extensions: job.extensions }) };
    };
    job.settled = persist().then(
      (outcome) => void (job.outcome = outcome),
      (error: unknown) => void (job.outcome = { error }),
    );
    this.building.set(seg, job);
    // Swapped in by the next call; with none queued, by a call of its own.
    void job.settled.then(() => {
      if (!this.closed && this.building.get(seg) === job) this.run(() => undefined).catch(() => undefined);
    });
  }

  private extendBuild(job: BackgroundPersist): void {
    if (!job.prepared || job.outcome || job.abort.signal.aborted || job.generation !== this.generation) return;
    try {
      extendVectorPersist(this.writer, job.prepared, job.extensions);
    } catch (err) {
      // The rows stay in the WAL for the next persist.
      job.prepared.extendable = false;
      persistFailed(job.prepared.target.vectorSegmentId, err);
    }
  }

  /**
   * Looks for other processes off this thread when a built checkpoint waits to be swapped in, so
   * that publishBuilt does not scan on it. Gives the refusal (FOLDER_BUSY) when another process
   * holds the folder, for publishBuilt to report without scanning again; else null.
   */
  private async checkBeforePublishing(): Promise<InspectorError | null> {
    if (!(this.writerOrError instanceof FolderWriter) || !this.hasStaged()) return null;
    try {
      await this.writerOrError.checkOtherProcesses();
      return null;
    } catch (err) {
      return err instanceof InspectorError ? err : null;
    }
  }

  /** Whether a finished build staged a checkpoint to swap in. */
  private hasStaged(): boolean {
    return [...this.building.values()].some((job) => job.outcome && 'staging' in job.outcome);
  }

  /**
   * Swaps in every checkpoint whose build has finished (called at the start of each call, in the
   * queue). Never throws: what goes wrong is the checkpoint's problem, not the call's (the WAL
   * still holds the rows), and is reported as a warning. Call it right after
   * checkBeforePublishing, with its answer: why nothing may be written now, each built checkpoint
   * then dropped with that warning; or null, the verdict its swaps are made under.
   */
  private publishBuilt(refused: InspectorError | null = null): void {
    const w = this.writerOrError;
    if (refused !== null || !(w instanceof FolderWriter) || !this.hasStaged()) return this.publishEach(refused);
    // One verdict for every swap below (each may outlast it): the check its callers just made ahead.
    w.whileClear(() => this.publishEach(null));
  }

  private publishEach(refused: InspectorError | null): void {
    for (const [seg, job] of this.building) {
      if (!job.outcome) continue;
      this.building.delete(seg);
      const outcome = job.outcome;
      // Dropped, or its collection was deleted meanwhile (segment ids are never reused).
      const wanted = job.generation === this.generation && this.reader.catalog.collections.some((c) => c.vectorSegment?.id === seg);
      if ('error' in outcome) {
        if (wanted) persistFailed(seg, outcome.error);
        continue;
      }
      if ('idle' in outcome) {
        if (!wanted) continue;
        if (outcome.idle !== null) this.checkpointSeqs.set(seg, outcome.idle);
        // Rows written while it looked may have reached the threshold since.
        const c = this.reader.catalog.collections.find((x) => x.vectorSegment?.id === seg);
        if (c?.dimension != null && outcome.idle !== null) this.persistIfDue(c, c.dimension);
        continue;
      }
      const prepared = job.prepared!;
      try {
        if (!wanted || refused) {
          removeFolder(outcome.staging);
          if (wanted) persistFailed(seg, refused);
          continue;
        }
        publishVectorPersist(this.writer, prepared, outcome.staging);
        // Known without reading the new pickle back (a decode of every id, at each persist).
        this.checkpointSeqs.set(seg, publishedCheckpointSeq(prepared));
        this.refresh();
        // Rows written during the build: the next persist starts now rather than at the next write.
        const c = this.reader.catalog.collections.find((x) => x.vectorSegment?.id === seg);
        if (c) this.persistIfDue(c, prepared.target.dimension);
      } catch (err) {
        persistFailed(seg, err);
      }
    }
  }

  /** Waits for every background build and swaps in what they built (inside a call: flush and close). */
  private async settleBuilds(): Promise<void> {
    for (;;) {
      this.publishBuilt(await this.checkBeforePublishing()); // which may start the next build of a segment
      const running = [...this.building.values()];
      if (running.length === 0) return;
      await Promise.all(running.map((j) => j.settled));
    }
  }

  /** Waits for every background build and removes what it staged, unpublished (the WAL keeps the rows). */
  private async dropBuilds(): Promise<void> {
    this.generation++;
    for (const job of this.building.values()) job.abort.abort();
    await this.settleBuilds();
  }

  private async persist(target: VectorTarget): Promise<void> {
    this.checkpointSeqs.delete(target.vectorSegmentId);
    try {
      if (await persistVectorSegment(this.writer, target)) this.refresh();
    } catch (err) {
      persistFailed(target.vectorSegmentId, err);
    }
  }

  /** Creates a collection (or returns the existing one's id when `getOrCreate`); `existed` tells which. */
  async createCollection(input: sysdb.CreateCollectionInput & { getOrCreate: boolean }): Promise<{ id: string; existed: boolean }> {
    const w = this.writer;
    const existing = w.db.prepare('SELECT id FROM collections WHERE database_id = ? AND name = ?').get(input.databaseId, input.name) as
      | { id: string }
      | undefined;
    if (existing) {
      if (!input.getOrCreate) throw new InspectorError('INVALID_ARGUMENT', `Collection ${input.name} already exists`, { conflict: true });
      return { id: existing.id, existed: true };
    }
    const id = await this.writing(() => sysdb.createCollection(w, input));
    this.refresh();
    return { id, existed: false };
  }

  async deleteCollection(collectionId: string): Promise<void> {
    await this.writing((w) => sysdb.deleteCollection(w, collectionId));
    this.writer.recent.clear();
    this.writer.checkpoints.clear();
    this.refresh();
  }

  async modifyCollection(collectionId: string, input: sysdb.ModifyCollectionInput): Promise<void> {
    await this.writing((w) => sysdb.modifyCollection(w, collectionId, input));
    this.refresh();
  }

  async createTenant(name: string): Promise<boolean> {
    const created = await this.writing((w) => sysdb.createTenant(w, name));
    this.refresh();
    return created;
  }

  async createDatabase(tenant: string, name: string): Promise<boolean> {
    const created = await this.writing((w) => sysdb.createDatabase(w, tenant, name));
    this.refresh();
    return created;
  }

  async deleteDatabase(tenant: string, name: string): Promise<void> {
    const folders = await this.writing((w) => sysdb.deleteDatabase(w, tenant, name));
    this.writer.recent.clear();
    this.writer.checkpoints.clear();
    for (const f of folders) rmSync(f, { recursive: true, force: true });
    this.refresh();
  }

  async reset(): Promise<void> {
    await this.writing((w) => sysdb.resetFolder(w));
    this.writer.recent.clear();
    this.writer.checkpoints.clear();
    this.checkpointSeqs.clear();
    this.refresh();
  }

  /**
   * Persists the pending vectors of every collection this process wrote to (what close() does),
   * or with `all`, of every collection whose WAL holds vectors its checkpoint lacks.
   */
  async flush(opts: { all?: boolean } = {}): Promise<void> {
    if (!(this.writerOrError instanceof FolderWriter) || !this.writerOrError.writable) return;
    // Builds under way take what waits above them (however few rows), as far as they can.
    for (const job of this.building.values()) this.extendBuild(job);
    await this.settleBuilds();
    for (const c of this.reader.catalog.collections) {
      if (c.dimension === null || (!opts.all && !this.written.has(c.id))) continue;
      const target = this.vectorTarget(c, c.dimension);
      if (target && (await this.pendingRows(this.writerOrError, target)) > 0) await this.persist(target);
    }
    await this.writerOrError.backgroundDone();
  }

  private closedError(): InspectorError {
    return new InspectorError('INVALID_ARGUMENT', `The client for ${this.dir} is closed`);
  }

  private closing: Promise<void> | null = null;

  /**
   * Flushes (unless told not to: the WAL keeps everything anyway), then closes both connections,
   * as the last call in the queue: calls queued after it fail. A second close() while one is
   * under way waits for that one.
   */
  close(opts: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.closing) return this.closing;
    const closing = this.run(async () => {
      try {
        // A build still running writes into the folder: it is waited for, and dropped when not flushing.
        await (opts.flush === false ? this.dropBuilds() : this.flush());
        // A checkpoint published in the background: its old folder, and its WAL rows' purge.
        if (this.writerOrError instanceof FolderWriter) await this.writerOrError.backgroundDone();
      } finally {
        // Closed even when the flush failed (its rows stay in the WAL): the registry has let go of it.
        this.closed = true;
        this.reader.close();
        if (this.writerOrError instanceof FolderWriter) this.writerOrError.close();
      }
    });
    this.closing = closing.finally(() => (this.closing = null));
    return this.closing;
  }
}

interface BackgroundPersist {
  /** Set once the checkpoint is read and the tail replayed (null while the job finds V or reads it). */
  prepared: PreparedPersist | null;
  generation: number;
  /** Stops the build before its next insert (close without flushing). */
  abort: AbortController;
  /** Where rows written while it runs are handed to it. */
  extensions: BuildExtensions;
  /**
   * Set once the job has finished: the staging folder, or why it failed, or `idle` when there was
   * nothing to persist (with V when the job found it, for the cadence to keep).
   */
  outcome: { staging: string } | { error: unknown } | { idle: number | null } | null;
  settled: Promise<void>;
}

/** The write itself is committed (the WAL holds it); a failed checkpoint only delays purging. */
/** Warnings already given: a checkpoint that cannot be persisted says so once per process, not at every write. */
const warned = new Set<string>();

function persistFailed(segmentId: string, err: unknown): void {
  const message = `chroma-inspector: could not persist the HNSW checkpoint of segment ${segmentId}: ${(err as Error).message}`;
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message);
}
