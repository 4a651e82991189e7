import { withLoadProgress } from '../engine/util/load-progress.js';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InspectorError, invalidArgument } from '../../shared/errors.js';
import type { EmbeddingMap, RecordRow } from '../../shared/models.js';
import type { ParsedInput, WritableState } from '../../shared/contract.js';
import type { MapAheadOptions } from '../engine/ahead/calls-ahead.js';
import type { SliceOptions } from '../engine/util/steps.js';
import { ChromaFolder } from '../engine/chroma-folder.js';
import { readWalVector, readWalWindow } from '../engine/wal/wal-window.js';
import { readRecordDetail, readRecordDetailWithoutLoad, readRecordsWindow, readRecordsWindowWithoutLoad } from '../engine/inspect/records-window.js';
import { readMetadataKeys, readMetadataRows } from '../engine/inspect/metadata-rows.js';
import { runReadOnlySql } from '../engine/inspect/raw-sql.js';
import type { CallContext, Handlers } from './dispatcher.js';
import { backup, exportCollection, restore, verify } from '../engine/backup/index.js';
import { runDoctor } from '../engine/doctor/run-doctor.js';
import { fixFolder } from '../engine/repair/fix-folder.js';
import { previewMigration } from '../engine/migrate/preview-migration.js';
import { replayToSeq } from '../engine/wal/replay-to-seq.js';
import { exportWal } from '../engine/wal/export-wal.js';
import { confinedPaths, unrestrictedPaths, type PathPolicy } from './path-policy.js';
import { EmbeddedFolderLease, type FolderCall } from '../engine/write/embedded-folder-lease.js';
import type { RecordWrite } from '../engine/write/record-writes.js';
import { ServerHandles } from './server-handles.js';
import { ANY_SERVER, type ServerPolicy } from './server-policy.js';
import { withServerSources } from './server-source-handlers.js';
import { runCopyTo } from './copy-handler.js';
import { detectActivityOffThread } from '../engine/folder/activity.js';
import { checkWritable, existingIds, metadataInput, replacementMetadata, typedMetadataJson, typedRecord } from './record-edits.js';
import { runDiff } from './diff-handler.js';
import { TextEmbeddingService } from './text-embedding.js';
import { nextTurn } from '../engine/util/next-turn.js';

export interface EngineServiceOptions {
  /** The folder the host was started with (serve argument, or the bundled demo). */
  defaultFolder?: string | null;
  /**
   * Folders every path a client names must stay inside (serve); null or absent: any path (the
   * desktop app, whose user picks paths in native dialogs).
   */
  roots?: readonly string[] | null;
  /** Which Chroma servers clients may open (default: any, the desktop app's case). */
  servers?: ServerPolicy | null;
}

/** A handle whose writes are enabled: its hold on the write engine is taken on the first write. */
interface WriteSession {
  force: boolean;
  lease: EmbeddedFolderLease | null;
}

const WRITES_DISABLED = 'Writes are disabled for this folder: enable them first';

/**
 * The contract's methods over the engine: one instance per host, shared by all its connections.
 * Open folders are keyed by handle; opening the same path again reuses the open folder.
 * Every folder is read-only until `setWritable` turns writes on for its handle; writes then go
 * through the write engine (the EmbeddedFolder an embedded PersistentClient on the same path would
 * share) and reads see them at once.
 */
export class EngineService {
  private readonly folders = new Map<string, ChromaFolder>();
  private readonly byPath = new Map<string, string>();
  private readonly writers = new Map<string, WriteSession>();
  /**
   * setWritable calls per handle, run one at a time in the order they came: turning writes on
   * waits for a process scan, and a "writes off" sent after it must not finish first and be undone.
   */
  private readonly writableQueue = new Map<string, Promise<unknown>>();

  private readonly paths: PathPolicy;
  private readonly servers: ServerHandles;
  private readonly text: TextEmbeddingService;

  constructor(private readonly options: EngineServiceOptions = {}) {
    this.paths = options.roots ? confinedPaths(options.roots) : unrestrictedPaths;
    this.servers = new ServerHandles(options.servers ?? ANY_SERVER);
    this.text = new TextEmbeddingService(this.paths, options.servers ?? ANY_SERVER);
  }

  folder(handle: string): ChromaFolder {
    const f = this.folders.get(handle);
    if (!f) throw new InspectorError('NOT_FOUND', 'That folder is no longer open; open it again');
    return f;
  }

  open(path: string): { handle: string; folder: ChromaFolder } {
    const abs = this.paths.allow(path);
    const existing = this.byPath.get(abs);
    if (existing) return { handle: existing, folder: this.folder(existing) };
    const folder = ChromaFolder.open(abs);
    // Each call that reads vectors is prepared in slices first: a load left by a first query finishes while no one asks.
    folder.finishLoadsWhenIdle();
    const handle = randomUUID();
    this.folders.set(handle, folder);
    this.byPath.set(abs, handle);
    return { handle, folder };
  }

  async close(handle: string): Promise<boolean> {
    const f = this.folders.get(handle);
    if (!f) return false;
    this.folders.delete(handle);
    this.byPath.delete(f.dir);
    // The read side closes at once (synchronously); a writer then persists its checkpoints.
    f.close();
    await this.disableWrites(handle);
    return true;
  }

  /** Closes every folder; writers persist their HNSW checkpoints first. */
  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.folders.keys()].map((h) => this.close(h)));
  }

  isWritable(handle: string): boolean {
    return this.writers.has(handle);
  }

  /** Turns writes on for a handle, after the checks of checkWritable. */
  async enableWrites(handle: string, force: boolean): Promise<{ warning?: string }> {
    const check = await checkWritable(this.folder(handle), force);
    this.folder(handle); // closed while the check ran: NOT_FOUND, as for any call on it
    const session = this.writers.get(handle);
    if (!session) this.writers.set(handle, { force, lease: null });
    else if (force && !session.force) {
      // A folder opened without force may hold a FOLDER_BUSY verdict: the next write opens it anew.
      const old = session.lease;
      this.writers.set(handle, { force, lease: null });
      void old?.release().catch(() => undefined);
    }
    return check;
  }

  /** Turns writes off: the write engine persists its checkpoints and lets the folder go. */
  /** The contract's setWritable, in the handle's queue (writableQueue). */
  private async setWritable({ handle, writable, force, confirm }: ParsedInput<'setWritable'>): Promise<WritableState> {
    const folder = this.folder(handle);
    if (!writable) {
      await this.disableWrites(handle);
      return { writable: false };
    }
    // The same explicit confirmation over the wire as in the UI's dialog: the folder's name.
    if (confirm !== basename(folder.dir)) {
      throw new InspectorError('INVALID_ARGUMENT', `Enabling writes needs confirmation: pass confirm: "${basename(folder.dir)}" (the folder's name)`);
    }
    const { warning } = await this.enableWrites(handle, force);
    return warning ? { writable: true, warning } : { writable: true };
  }

  private inWritableQueue<T>(handle: string, call: () => Promise<T>): Promise<T> {
    const next = (this.writableQueue.get(handle) ?? Promise.resolve()).then(call, call);
    const settled = next.catch(() => undefined);
    this.writableQueue.set(handle, settled);
    // The queue holds nothing once it is empty again.
    void settled.then(() => {
      if (this.writableQueue.get(handle) === settled) this.writableQueue.delete(handle);
    });
    return next;
  }

  async disableWrites(handle: string): Promise<void> {
    const session = this.writers.get(handle);
    this.writers.delete(handle);
    await session?.lease?.release();
  }

  /**
   * Runs a write on the handle's embedded folder (one at a time, in the folder's queue), then
   * refreshes the read side so every later read sees it.
   */
  private async write<T>(handle: string, fn: FolderCall<T>): Promise<T> {
    const folder = this.folder(handle);
    const session = this.writers.get(handle);
    if (!session) throw new InspectorError('READ_ONLY', WRITES_DISABLED);
    session.lease ??= new EmbeddedFolderLease(folder.dir, { force: session.force });
    const lease = session.lease;
    try {
      return await lease.run(fn);
    } catch (err) {
      if (err instanceof InspectorError && err.code === 'FOLDER_BUSY' && session.lease === lease) {
        // Opened while another process held the folder: let the next attempt look again.
        session.lease = null;
        await lease.release().catch(() => undefined);
      }
      throw err;
    } finally {
      if (this.folders.get(handle) === folder) folder.refresh();
    }
  }

  /** The map's work ahead, in slices of this engine's thread (ChromaFolder.prepareMap). */
  private async mapAhead(handle: string, collectionId: string, method: EmbeddingMap['method'], opts: MapAheadOptions, ctx: CallContext): Promise<void> {
    const umap = method === 'umap';
    await this.folder(handle).prepareMap(collectionId, { ...opts, ...(umap ? { project: false, forQuery: true } : {}) }, sliceOf(ctx));
  }

  /**
   * A record in full, with its metadata as typed JSON text. Its vector comes from the checkpoint's
   * files; when they cannot give it (the WAL tail changed the record: after every edit here), the
   * collection's vectors are loaded ahead in slices, not in one piece inside the call.
   */
  private async recordDetail(handle: string, collectionId: string, id: string, ctx: CallContext, afterWrite = false): Promise<RecordRow> {
    const folder = this.folder(handle);
    let row = loading(ctx, () => readRecordDetailWithoutLoad(folder, collectionId, id));
    if (!row) {
      // After an edit the record is written: a cancel then must not fail the call that wrote it.
      await folder.prepareVectors(collectionId, { forQuery: false }, afterWrite ? { report: (step) => ctx.progress(step) } : sliceOf(ctx));
      row = loading(ctx, () => readRecordDetail(folder, collectionId, id));
    }
    return { ...row, metadataJson: typedMetadataJson(typedRecord(folder, collectionId, id)?.metadata ?? null) };
  }

  /** The contract's handlers: folder handles here, server handles through withServerSources. */
  handlers(): Handlers {
    return withServerSources(this.folderHandlers(), this.servers, this.paths, this.text);
  }

  private folderHandlers(): Handlers {
    return {
      openFolder: async ({ path }) => {
        // The process scan (a worker thread) runs while the folder opens here. Not cancellable:
        // the handle is open either way, and the caller needs it to close it.
        const scanning = detectActivityOffThread(this.paths.allow(path)).catch(() => undefined);
        const { handle } = this.open(path);
        const activity = await scanning;
        return { handle, info: this.folder(handle).info(activity ? { activity } : {}), writable: this.isWritable(handle) };
      },
      // Replaced by withServerSources: a folder host has no server handles to open.
      openServer: () => {
        throw new InspectorError('INTERNAL', 'openServer is answered by the server sources');
      },
      defaultFolder: () => {
        const server = this.options.servers?.defaultServer;
        return server ? { path: this.options.defaultFolder ?? null, server } : { path: this.options.defaultFolder ?? null };
      },
      closeFolder: async ({ handle }) => ({ closed: await this.close(handle) }),
      folderInfo: async ({ handle }, ctx) => {
        const activity = await detectActivityOffThread(this.folder(handle).dir, ctx.signal);
        return this.folder(handle).info({ activity });
      },
      tableSizes: async ({ handle }, ctx) => {
        const out = [];
        for (const step of this.folder(handle).tableSizesStepwise()) {
          ctx.signal.throwIfAborted();
          out.push(step.size);
          ctx.progress({ done: step.done, total: step.total, message: step.size.table });
          // Let a cancel message in between tables.
          await nextTurn();
        }
        return out;
      },
      collectionInfo: ({ handle, collectionId }) => this.folder(handle).collectionInfo(collectionId),
      records: async ({ handle, collectionId, where, whereDocument, ids, sort, offset, limit }, ctx) => {
        // A filter's caches are built ahead in slices: this engine's other calls go on meanwhile (a sorted page reads none).
        if (!ids && !sort) await this.folder(handle).prepareGet(collectionId, { ...(where !== undefined ? { where } : {}), ...(whereDocument !== undefined ? { whereDocument } : {}) }, sliceOf(ctx), { page: false });
        const q = { collectionId, where, whereDocument, ids, sort, offset, limit, withEmbeddingPreview: true };
        // Previews come from the checkpoint's files; a page the WAL tail changed loads the vectors ahead in slices first.
        const fromFiles = loading(ctx, () => readRecordsWindowWithoutLoad(this.folder(handle), q));
        if (fromFiles) return fromFiles;
        await this.folder(handle).prepareVectors(collectionId, { forQuery: false }, sliceOf(ctx));
        return loading(ctx, () => readRecordsWindow(this.folder(handle), q));
      },
      recordDetail: ({ handle, collectionId, id }, ctx) => this.recordDetail(handle, collectionId, id, ctx),
      metadataKeys: ({ handle, collectionId }) => readMetadataKeys(this.folder(handle), collectionId),
      get: async ({ handle, collectionId, args }, ctx) => {
        await this.folder(handle).prepareGet(collectionId, args, sliceOf(ctx));
        return loading(ctx, () => this.folder(handle).get(collectionId, args));
      },
      // The UI answers from the sound vectors of a damaged collection and shows the warnings.
      query: async ({ handle, collectionId, args, exact, embed }, ctx) => {
        const vectors = await this.text.queryArgs(this.folder(handle).collection(collectionId).catalog, args, embed, ctx);
        // What the search needs (a first one's checks of the files, or the vector load) is done in slices first: this engine's other calls go on meanwhile.
        await this.folder(handle).prepareQuery(collectionId, vectors, { allowPartial: true, exact }, sliceOf(ctx));
        return loading(ctx, () => this.folder(handle).query(collectionId, vectors, { allowPartial: true, exact }));
      },
      whyNot: async ({ handle, collectionId, args, id, embed }, ctx) => {
        const vectors = await this.text.queryArgs(this.folder(handle).collection(collectionId).catalog, args, embed, ctx);
        await this.folder(handle).prepareWhyNot(collectionId, vectors, sliceOf(ctx));
        return loading(ctx, () => this.folder(handle).whyNot(collectionId, vectors, id));
      },
      textFunction: ({ handle, collectionId, embed }) => this.text.describe(this.folder(handle).collection(collectionId).catalog, embed),
      embedText: ({ handle, collectionId, text, embed }, ctx) => this.text.embed(this.folder(handle).collection(collectionId).catalog, text, embed, ctx),
      // Thousands of searches at a million vectors: in slices, cancellable between them.
      recall: ({ handle, collectionId, k, queries, seed, efValues }, ctx) => this.folder(handle).recallSliced(collectionId, { k, queries, seed, efValues }, sliceOf(ctx)),
      embeddingMap: async ({ handle, collectionId, maxPoints, method, withIds }, ctx) => {
        await this.mapAhead(handle, collectionId, method, { maxPoints }, ctx);
        const map =
          method === 'umap'
            ? await this.folder(handle).umapMap(collectionId, ctx.signal, (done, total, message) => ctx.progress({ done, total, message }))
            : loading(ctx, () => this.folder(handle).embeddingMap(collectionId, maxPoints));
        // A copy: the cached map keeps its ids for the next caller.
        return withIds ? map : { ...map, ids: [] };
      },
      mapIds: async ({ handle, collectionId, method, maxPoints, points }, ctx) => {
        await this.mapAhead(handle, collectionId, method, { maxPoints, project: false }, ctx);
        return loading(ctx, () => this.folder(handle).mapIds(collectionId, method, points, maxPoints));
      },
      mapPoints: async ({ handle, collectionId, method, maxPoints, ids }, ctx) => {
        await this.mapAhead(handle, collectionId, method, { maxPoints, project: false }, ctx);
        return loading(ctx, () => this.folder(handle).mapPoints(collectionId, method, ids, maxPoints));
      },
      mapColors: async ({ handle, collectionId, key, maxPoints, method }, ctx) => {
        await this.mapAhead(handle, collectionId, method, { maxPoints, colorKey: key, project: false }, ctx);
        return loading(ctx, () => (method === 'umap' ? this.folder(handle).umapColors(collectionId, key) : this.folder(handle).mapColors(collectionId, key, maxPoints)));
      },
      mapProject: async ({ handle, collectionId, vector, maxPoints, method }, ctx) => {
        await this.mapAhead(handle, collectionId, method, { maxPoints }, ctx);
        const folder = this.folder(handle);
        const [x, y] =
          method === 'umap'
            ? await folder.projectOnUmap(collectionId, vector, ctx.signal, (done, total, message) => ctx.progress({ done, total, message }))
            : loading(ctx, () => folder.projectOnMap(collectionId, vector, maxPoints));
        return { x, y };
      },
      diff: ({ handle, other, collectionId, against, limit }, ctx) => {
        const a = this.folder(handle);
        const own = collectionId ? a.collection(collectionId).catalog : null;
        const side = { kind: 'folder' as const, folder: a, label: a.dir, ...(own ? { tenant: own.tenant, database: own.database } : {}) };
        return runDiff(side, { other, limit, ...(against ? { against } : {}), ...(own ? { collection: own.name } : {}) }, { paths: this.paths, servers: this.servers }, ctx);
      },
      count: async ({ handle, collectionId }, ctx) => {
        await this.folder(handle).prepareCount(collectionId, sliceOf(ctx));
        return this.folder(handle).count(collectionId);
      },
      walRows: ({ handle, collectionId, operation, id, offset, limit }) =>
        readWalWindow(this.folder(handle), { collectionId, operation, id, offset, limit }),
      walVector: ({ handle, seqId }) => readWalVector(this.folder(handle), seqId),
      metadataRows: ({ handle, collectionId, key, offset, limit }) => readMetadataRows(this.folder(handle), { collectionId, key, offset, limit }),
      sql: ({ handle, sql, offset, limit }) => runReadOnlySql(this.folder(handle), sql, offset, limit),
      backup: async ({ handle, outZip, collectionId, excludeOrphans }, ctx) => {
        const r = await backup(this.folder(handle).dir, this.paths.allow(outZip), {
          ...(collectionId ? { collection: collectionId } : {}),
          excludeOrphans,
          signal: ctx.signal,
          onProgress: ctx.progress,
        });
        return { zip: r.zip, bytes: r.bytes, collections: r.manifest.collections.map((c) => ({ ...c, expected: c.count })) };
      },
      verifyBackup: async ({ zip }, ctx) => {
        const r = await verify(this.paths.allow(zip), { signal: ctx.signal, onProgress: ctx.progress });
        return { zip: r.zip, files: r.files, bytes: r.bytes, hasManifest: r.manifest !== null, collections: r.collections, warnings: r.warnings };
      },
      restoreBackup: async ({ zip, newFolder }, ctx) => {
        const r = await restore(this.paths.allow(zip), this.paths.allow(newFolder), { signal: ctx.signal, onProgress: ctx.progress });
        return { folder: r.folder, files: r.files, bytes: r.bytes, hasManifest: r.manifest !== null, collections: r.collections, warnings: r.warnings };
      },
      // Read-only; the reclaim measurement works on a temporary copy in the OS temp folder.
      doctor: ({ handle, measureReclaim, private: privateReport }, ctx) =>
        runDoctor(this.folder(handle), { measureReclaim, private: privateReport, signal: ctx.signal, onProgress: ctx.progress }),
      // The open folder is only read; the repaired copy goes where restores go, under the same path policy.
      fix: ({ handle, target, only }, ctx) =>
        fixFolder(this.folder(handle).dir, this.paths.allow(target), { ...(only ? { only } : {}), signal: ctx.signal, onProgress: ctx.progress }),
      // The open folder is only read; the new folder or file goes under the same path policy as restores and exports.
      migratePreview: ({ handle, newFolder, to }, ctx) =>
        previewMigration(this.folder(handle).dir, this.paths.allow(newFolder), { to, signal: ctx.signal, onProgress: ctx.progress }),
      replayToSeq: ({ handle, newFolder, seq }, ctx) =>
        replayToSeq(this.folder(handle).dir, this.paths.allow(newFolder), { seq, signal: ctx.signal, onProgress: ctx.progress }),
      exportWal: ({ handle, outFile, format, collectionId, embeddings }, ctx) =>
        exportWal(this.folder(handle), this.paths.allow(outFile), {
          format,
          ...(collectionId ? { collection: collectionId } : {}),
          embeddings,
          signal: ctx.signal,
          onProgress: ctx.progress,
        }),
      // The open folder is only read (a read-only engine of its own); the target is written by the write engine or the server.
      copyTo: (input, ctx) => {
        const folder = this.folder(input.handle);
        const c = input.collectionId ? folder.collection(input.collectionId).catalog : null;
        const scope = c ?? input.scope;
        const spec = { kind: 'folder' as const, path: folder.dir, ...(scope ? { tenant: scope.tenant, database: scope.database } : {}) };
        return runCopyTo({ spec, ...(c ? { collection: c.name } : {}) }, input, { paths: this.paths, servers: this.servers }, ctx);
      },
      exportRecords: async ({ handle, collectionId, outFile, format, args }, ctx) => {
        const r = await exportCollection(this.folder(handle), collectionId, this.paths.allow(outFile), {
          format,
          ...(args ? { args } : {}),
          signal: ctx.signal,
          onProgress: ctx.progress,
        });
        return { file: r.file, format: r.format, records: r.records, warnings: r.warnings };
      },
      setWritable: (input) => this.inWritableQueue(input.handle, () => this.setWritable(input)),
      updateRecord: async ({ handle, collectionId, id, document, metadata, metadataJson }, ctx) => {
        const next = metadataInput({ metadata, metadataJson });
        await this.write(handle, async (f) => {
          const current = typedRecord(f.reader, collectionId, id);
          if (!current) throw new InspectorError('NOT_FOUND', `Record "${id}" does not exist in collection ${f.collection(collectionId).name}`, { id });
          const w: RecordWrite = { id };
          if (document !== undefined) w.document = document;
          if (next !== undefined) {
            const change = replacementMetadata(current.metadata, next);
            if (change.size > 0) w.metadata = change;
          }
          if (w.document !== undefined || w.metadata) await f.writeRecords(collectionId, 'UPDATE', [w]);
        });
        return this.recordDetail(handle, collectionId, id, ctx, true);
      },
      deleteRecords: async ({ handle, collectionId, ids }) => {
        const deleted = await this.write(handle, async (f) => {
          // Only ids that exist: Chroma would log a delete for each id given, found or not.
          const found = existingIds(f.reader, collectionId, ids);
          if (found.length > 0) await f.writeRecords(collectionId, 'DELETE', found.map((id) => ({ id })));
          return found.length;
        });
        return { deleted };
      },
      upsertRecord: async ({ handle, collectionId, id, document, metadata, metadataJson, embedding }, ctx) => {
        const next = metadataInput({ metadata, metadataJson });
        await this.write(handle, async (f) => {
          const current = typedRecord(f.reader, collectionId, id);
          if (!current && !embedding) {
            throw invalidArgument(`Record "${id}" does not exist in collection ${f.collection(collectionId).name}: adding it needs an embedding`);
          }
          const w: RecordWrite = { id };
          if (embedding) w.vector = Float32Array.from(embedding);
          if (document !== undefined) w.document = document;
          if (next !== undefined) {
            const change = current ? replacementMetadata(current.metadata, next) : new Map(next ?? []);
            if (change.size > 0) w.metadata = change;
          }
          if (w.vector) await f.writeRecords(collectionId, 'UPSERT', [w]);
          else if (w.document !== undefined || w.metadata) await f.writeRecords(collectionId, 'UPDATE', [w]);
        });
        return this.recordDetail(handle, collectionId, id, ctx, true);
      },
    };
  }
}

/** A call's slices of work ahead: cancelled with the call, their progress its progress. */
function sliceOf(ctx: CallContext): SliceOptions {
  return { signal: ctx.signal, report: (step) => ctx.progress(step) };
}

/** Runs an engine call whose first use of a collection loads its vectors, graph or WAL, reporting those loads as the call's progress. */
function loading<T>(ctx: { progress(p: { done: number; total: number | null; message?: string }): void }, fn: () => T): T {
  return withLoadProgress((step) => ctx.progress(step), fn);
}
