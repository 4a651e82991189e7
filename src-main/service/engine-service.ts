import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { InspectorError } from '../../shared/errors.js';
import { ChromaFolder } from '../engine/chroma-folder.js';
import { readWalVector, readWalWindow } from '../engine/wal/wal-window.js';
import { readRecordDetail, readRecordsWindow } from '../engine/inspect/records-window.js';
import { readMetadataKeys, readMetadataRows } from '../engine/inspect/metadata-rows.js';
import { runReadOnlySql } from '../engine/inspect/raw-sql.js';
import type { Handlers } from './dispatcher.js';
import { backup, exportCollection, restore, verify } from '../engine/backup/index.js';

export interface EngineServiceOptions {
  /** The folder the host was started with (serve argument, or the bundled demo). */
  defaultFolder?: string | null;
}

/**
 * The contract's methods over the engine: one instance per host, shared by all its connections.
 * Open folders are keyed by handle; opening the same path again reuses the open folder.
 */
export class EngineService {
  private readonly folders = new Map<string, ChromaFolder>();
  private readonly byPath = new Map<string, string>();

  constructor(private readonly options: EngineServiceOptions = {}) {}

  folder(handle: string): ChromaFolder {
    const f = this.folders.get(handle);
    if (!f) throw new InspectorError('NOT_FOUND', 'That folder is no longer open; open it again');
    return f;
  }

  open(path: string): { handle: string; folder: ChromaFolder } {
    const abs = resolve(path);
    const existing = this.byPath.get(abs);
    if (existing) return { handle: existing, folder: this.folder(existing) };
    const folder = ChromaFolder.open(abs);
    const handle = randomUUID();
    this.folders.set(handle, folder);
    this.byPath.set(abs, handle);
    return { handle, folder };
  }

  close(handle: string): boolean {
    const f = this.folders.get(handle);
    if (!f) return false;
    f.close();
    this.folders.delete(handle);
    this.byPath.delete(f.dir);
    return true;
  }

  closeAll(): void {
    for (const h of [...this.folders.keys()]) this.close(h);
  }

  handlers(): Handlers {
    return {
      openFolder: ({ path }) => {
        const { handle, folder } = this.open(path);
        return { handle, info: folder.info() };
      },
      defaultFolder: () => ({ path: this.options.defaultFolder ?? null }),
      closeFolder: ({ handle }) => ({ closed: this.close(handle) }),
      folderInfo: ({ handle }) => this.folder(handle).info(),
      tableSizes: async ({ handle }, ctx) => {
        const out = [];
        for (const step of this.folder(handle).tableSizesStepwise()) {
          ctx.signal.throwIfAborted();
          out.push(step.size);
          ctx.progress({ done: step.done, total: step.total, message: step.size.table });
          // Let a cancel message in between tables.
          await new Promise((r) => setImmediate(r));
        }
        return out;
      },
      collectionInfo: ({ handle, collectionId }) => this.folder(handle).collectionInfo(collectionId),
      records: ({ handle, collectionId, where, whereDocument, ids, sort, offset, limit }) =>
        readRecordsWindow(this.folder(handle), { collectionId, where, whereDocument, ids, sort, offset, limit, withEmbeddingPreview: true }),
      recordDetail: ({ handle, collectionId, id }) => readRecordDetail(this.folder(handle), collectionId, id),
      metadataKeys: ({ handle, collectionId }) => readMetadataKeys(this.folder(handle), collectionId),
      get: ({ handle, collectionId, args }) => this.folder(handle).get(collectionId, args),
      query: ({ handle, collectionId, args }) => this.folder(handle).query(collectionId, args),
      count: ({ handle, collectionId }) => this.folder(handle).count(collectionId),
      walRows: ({ handle, collectionId, operation, id, offset, limit }) =>
        readWalWindow(this.folder(handle), { collectionId, operation, id, offset, limit }),
      walVector: ({ handle, seqId }) => readWalVector(this.folder(handle), seqId),
      metadataRows: ({ handle, collectionId, key, offset, limit }) => readMetadataRows(this.folder(handle), { collectionId, key, offset, limit }),
      sql: ({ handle, sql, offset, limit }) => runReadOnlySql(this.folder(handle), sql, offset, limit),
      backup: async ({ handle, outZip, collectionId, excludeOrphans }, ctx) => {
        const r = await backup(this.folder(handle).dir, outZip, {
          ...(collectionId ? { collection: collectionId } : {}),
          excludeOrphans,
          signal: ctx.signal,
          onProgress: ctx.progress,
        });
        return { zip: r.zip, bytes: r.bytes, collections: r.manifest.collections.map((c) => ({ ...c, expected: c.count })) };
      },
      verifyBackup: async ({ zip }, ctx) => {
        const r = await verify(zip, { signal: ctx.signal, onProgress: ctx.progress });
        return { zip: r.zip, files: r.files, bytes: r.bytes, hasManifest: r.manifest !== null, collections: r.collections, warnings: r.warnings };
      },
      restoreBackup: async ({ zip, newFolder }, ctx) => {
        const r = await restore(zip, newFolder, { signal: ctx.signal, onProgress: ctx.progress });
        return { folder: r.folder, files: r.files, bytes: r.bytes, hasManifest: r.manifest !== null, collections: r.collections, warnings: r.warnings };
      },
      exportRecords: async ({ handle, collectionId, outFile, format, args }, ctx) => {
        const r = await exportCollection(this.folder(handle), collectionId, outFile, {
          format,
          ...(args ? { args } : {}),
          signal: ctx.signal,
          onProgress: ctx.progress,
        });
        return { file: r.file, format: r.format, records: r.records, warnings: r.warnings };
      },
    };
  }
}
