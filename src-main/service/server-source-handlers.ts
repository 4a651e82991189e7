import { InspectorError } from '../../shared/errors.js';
import type { Method } from '../../shared/contract.js';
import type { CallContext, Handlers } from './dispatcher.js';
import type { ServerHandles } from './server-handles.js';
import type { PathPolicy } from './path-policy.js';
import { typedMetadataJson } from './record-edits.js';
import { ServerRecordsHttp } from '../source/server/server-records-http.js';
import { exportServerCollection } from '../source/server/server-export.js';
import { backupServer } from '../source/copy/server-backup.js';
import { runCopyTo } from './copy-handler.js';
import { runDiff } from './diff-handler.js';
import type { TextEmbeddingService } from './text-embedding.js';

const FILES = "a Chroma server's API does not expose its files";

/** Why each method that needs a folder's files has no answer for a server source. */
export const FOLDER_ONLY_REASONS: Partial<Record<Method, string>> = {
  tableSizes: `Table sizes are read from the folder's SQLite file; ${FILES}`,
  walRows: `The write-ahead log lives in the folder's SQLite file; ${FILES}`,
  walVector: `The write-ahead log lives in the folder's SQLite file; ${FILES}`,
  metadataRows: `embedding_metadata rows live in the folder's SQLite file; ${FILES}`,
  sql: `SQL runs on the folder's SQLite file; ${FILES}`,
  doctor: `The doctor checks Chroma's files (SQLite, WAL, HNSW segments); ${FILES}`,
  fix: `Repairs work on Chroma's files; ${FILES}`,
  migratePreview: `A migration preview rewrites Chroma's files; ${FILES}`,
  replayToSeq: `Replay reads the folder's write-ahead log; ${FILES}`,
  exportWal: `The write-ahead log lives in the folder's SQLite file; ${FILES}`,
  embeddingMap: "The embedding map projects every stored vector; a server's API does not give them in bulk: open the server's folder, or copy it to one",
  mapColors: "The embedding map projects every stored vector; a server's API does not give them in bulk: open the server's folder, or copy it to one",
  mapProject: "The embedding map projects every stored vector; a server's API does not give them in bulk: open the server's folder, or copy it to one",
  mapIds: "The embedding map projects every stored vector; a server's API does not give them in bulk: open the server's folder, or copy it to one",
  mapPoints: "The embedding map projects every stored vector; a server's API does not give them in bulk: open the server's folder, or copy it to one",
  recall: "The recall lab compares the index with exact search over the stored vectors, which a server's API does not give; open the server's folder instead",
  whyNot: "Why-not ranks the record by exact search over the stored vectors, which a server's API does not give; open the server's folder instead",
  setWritable: 'Editing records is available on folders only: a server source is read-only here',
  updateRecord: 'Editing records is available on folders only: a server source is read-only here',
  deleteRecords: 'Editing records is available on folders only: a server source is read-only here',
  upsertRecord: 'Editing records is available on folders only: a server source is read-only here',
};

type ServerImpl = { [M in Method]?: (input: Parameters<Handlers[M]>[0], ctx: CallContext) => ReturnType<Handlers[M]> };

/** The methods a server source answers, over its ServerInspector. */
function serverImpl(servers: ServerHandles, paths: PathPolicy, text: TextEmbeddingService): ServerImpl {
  const s = (handle: string) => servers.get(handle);
  return {
    folderInfo: ({ handle }) => s(handle).folderInfo(),
    closeFolder: ({ handle }) => ({ closed: servers.close(handle) }),
    collectionInfo: ({ handle, collectionId }) => s(handle).collectionInfo(collectionId),
    records: ({ handle, collectionId, where, whereDocument, ids, sort, offset, limit }) =>
      s(handle).records({ collectionId, where, whereDocument, ...(ids ? { ids } : {}), ...(sort ? { sort } : {}), offset, limit }),
    // The metadata's types as the server stores them (the client's JSON would make 2.0 an int).
    recordDetail: async ({ handle, collectionId, id }) => {
      const inspector = s(handle);
      const row = await inspector.recordDetail(collectionId, id);
      const ref = await inspector.collectionRef(collectionId);
      const [typed] = await new ServerRecordsHttp(inspector.endpointFor(ref), ref.tenant, ref.database).get(collectionId, { ids: [id], include: ['metadatas'] });
      return { ...row, metadataJson: typedMetadataJson(typed?.metadata ?? null) };
    },
    exportRecords: async ({ handle, collectionId, outFile, format, args }, ctx) => {
      const inspector = s(handle);
      const info = await inspector.collectionInfo(collectionId);
      const r = await exportServerCollection(
        { endpoint: inspector.endpointFor(info), tenant: info.tenant, database: info.database, collection: { id: info.id, name: info.name, dimension: info.dimension, space: info.hnsw.space } },
        paths.allow(outFile),
        { format, ...(args ? { args } : {}), signal: ctx.signal, onProgress: ctx.progress },
      );
      return { file: r.file, format, records: r.records, warnings: [] };
    },
    copyTo: async (input, ctx) => {
      const inspector = s(input.handle);
      const ref = input.collectionId
        ? await inspector.collectionRef(input.collectionId)
        : { tenant: input.scope?.tenant ?? inspector.source.tenant, database: input.scope?.database ?? inspector.source.database, name: undefined };
      return runCopyTo({ spec: { kind: 'server', endpoint: inspector.endpointFor(ref) }, ...(ref.name ? { collection: ref.name } : {}) }, input, { paths, servers }, ctx);
    },
    // The server's records copied into a temporary folder, verified, then backed up as a folder is.
    backup: async ({ handle, outZip, collectionId }, ctx) => {
      const inspector = s(handle);
      const scope = collectionId ? await inspector.collectionRef(collectionId) : { tenant: inspector.source.tenant, database: inspector.source.database, name: undefined };
      const r = await backupServer(inspector.endpointFor(scope), paths.allow(outZip), {
        ...(scope.name ? { collection: scope.name } : {}),
        signal: ctx.signal,
        onProgress: (p) => ctx.progress({ done: p.done, total: p.total ?? null, ...(p.message ? { message: p.message } : {}) }),
      });
      return { zip: r.zip, bytes: r.bytes, collections: r.manifest.collections.map((c) => ({ ...c, expected: c.count })) };
    },
    // The server's tenant/database (the collection's, when one is chosen) against a folder, backup or server.
    diff: async ({ handle, other, collectionId, against, limit }, ctx) => {
      const inspector = s(handle);
      const ref = collectionId ? await inspector.collectionRef(collectionId) : { tenant: inspector.source.tenant, database: inspector.source.database, name: undefined };
      const input = { other, limit, ...(against ? { against } : {}), ...(ref.name ? { collection: ref.name } : {}) };
      return runDiff({ kind: 'server', endpoint: inspector.endpointFor(ref) }, input, { paths, servers }, ctx);
    },
    metadataKeys: ({ handle, collectionId }) => s(handle).metadataKeys(collectionId),
    get: async ({ handle, collectionId, args }) => (await s(handle).get(collectionId, args)) as never,
    query: async ({ handle, collectionId, args, exact, embed }, ctx) => {
      if (exact) {
        throw new InspectorError('FOLDER_ONLY', "Exact (brute-force) answers need the stored vectors from the folder's files; a server answers only through its own index");
      }
      // Embedded here, as the chromadb client embeds before it sends: the server only sees vectors.
      const vectors = await text.queryArgs(await s(handle).collectionInfo(collectionId), args, embed, ctx);
      return (await s(handle).query(collectionId, vectors)) as never;
    },
    textFunction: async ({ handle, collectionId, embed }) => text.describe(await s(handle).collectionInfo(collectionId), embed),
    embedText: async ({ handle, collectionId, text: t, embed }, ctx) => text.embed(await s(handle).collectionInfo(collectionId), t, embed, ctx),
    count: ({ handle, collectionId }) => s(handle).count(collectionId),
  };
}

/**
 * Handlers that send calls naming a server handle to the server source, and answer FOLDER_ONLY
 * (with the reason) for the methods only a folder can answer; folder handles go to `folders`.
 */
export function withServerSources(folders: Handlers, servers: ServerHandles, paths: PathPolicy, text: TextEmbeddingService): Handlers {
  const impl = serverImpl(servers, paths, text);
  const out = { ...folders } as Record<Method, (input: unknown, ctx: CallContext) => unknown>;
  for (const method of Object.keys(folders) as Method[]) {
    const folderHandler = folders[method] as (input: unknown, ctx: CallContext) => unknown;
    const serverHandler = impl[method] as ((input: unknown, ctx: CallContext) => unknown) | undefined;
    out[method] = (input, ctx) => {
      const handle = (input as { handle?: unknown }).handle;
      if (typeof handle !== 'string' || !servers.has(handle)) return folderHandler(input, ctx);
      if (serverHandler) return serverHandler(input, ctx);
      const why = FOLDER_ONLY_REASONS[method] ?? `${method} works on folders only`;
      throw new InspectorError('FOLDER_ONLY', why, { method });
    };
  }
  out.openServer = (input) => servers.openServer(input as never);
  return out as unknown as Handlers;
}
