import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../../engine/chroma-folder.js';
import { backup, type BackupResult } from '../../engine/backup/backup.js';
import { restore, type RestoreResult } from '../../engine/backup/restore.js';
import { makeTempDir, removeQuietly } from '../../engine/backup/temp-dir.js';
import type { ServerEndpoint } from '../server/server-endpoint.js';
import { copySources } from './copy-sources.js';
import type { CopyProgress, CopyReport } from './copy-types.js';
import { ServerSide } from './server-side.js';

export interface ServerBackupOptions {
  /** One collection; default: every collection of the server's tenant/database in use. */
  collection?: string;
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
  /** Where the temporary folder goes (default: the OS temp dir). */
  tmpDir?: string;
}

const say = (opts: ServerBackupOptions, prefix: string) => (p: CopyProgress) => opts.onProgress?.({ ...p, message: `${prefix}: ${p.message ?? ''}` });

/** Differences of a copy that did not verify, for the error that stops a backup or restore. */
function notVerified(report: CopyReport, what: string): InspectorError {
  const bad = report.collections.filter((c) => !c.verification.ok);
  const lines = bad.flatMap((c) => [
    ...(c.verification.sourceCount === c.verification.targetCount ? [] : [`${c.name}: ${c.verification.sourceCount} records in the source, ${c.verification.targetCount} in the copy`]),
    ...[...c.verification.sampleDifferences, ...c.verification.queryDifferences].slice(0, 3).map((d) => `${c.name}: ${d}`),
  ]);
  return new InspectorError('INTERNAL', `${what}: the copy did not verify (did the server change meanwhile?): ${lines.join('; ')}`, { report });
}

/**
 * Backs up a server collection (or its whole tenant/database) into the backup zip format: the
 * records are copied into a temporary folder by the write engine, verified, and that folder is
 * then backed up as any folder is (engine/backup). A copy that does not verify writes no zip.
 */
export async function backupServer(endpoint: ServerEndpoint, outZip: string, opts: ServerBackupOptions = {}): Promise<BackupResult & { copy: CopyReport }> {
  // backup() checks this too, but only after the whole copy: say it first.
  if (existsSync(resolve(outZip))) throw new InspectorError('INVALID_ARGUMENT', `${resolve(outZip)} already exists; choose a new file name`);
  const staging = await makeTempDir('chroma-server-backup-', opts.tmpDir);
  try {
    // The manifest keeps the folder's name: let it say which server this was.
    const folder = join(staging, `chroma-server-${endpoint.host}-${endpoint.port}`.replace(/[^A-Za-z0-9._-]/g, '_'));
    const copy = await copySources({ kind: 'server', endpoint }, { kind: 'folder', path: folder }, { collection: opts.collection, signal: opts.signal, onProgress: say(opts, 'copy') });
    if (!copy.ok) throw notVerified(copy, `backup of ${copy.source}`);
    const only = opts.collection === undefined ? undefined : { name: opts.collection, ...copy.scopes.target };
    const result = await backup(folder, outZip, {
      collection: only,
      signal: opts.signal,
      tmpDir: opts.tmpDir,
      onProgress: (p) => opts.onProgress?.({ done: p.done, total: p.total, message: `backup: ${p.message}` }),
    });
    return { ...result, manifest: { ...result.manifest, warnings: [...copy.warnings, ...result.manifest.warnings] }, copy };
  } finally {
    await removeQuietly(staging);
  }
}

export interface ServerRestoreResult {
  zip: string;
  restored: Pick<RestoreResult, 'manifest' | 'collections' | 'warnings'>;
  copies: CopyReport[];
  ok: boolean;
}

/** The tenant/database pairs of a folder that hold collections (only `name`, when given). */
function scopesOf(dir: string, name?: string): { tenant: string; database: string; names: string[] }[] {
  const folder = ChromaFolder.open(dir);
  try {
    const scopes = new Map<string, { tenant: string; database: string; names: string[] }>();
    for (const c of folder.catalog.collections) {
      if (name !== undefined && c.name !== name) continue;
      const key = JSON.stringify([c.tenant, c.database]);
      if (!scopes.has(key)) scopes.set(key, { tenant: c.tenant, database: c.database, names: [] });
      scopes.get(key)!.names.push(c.name);
    }
    return [...scopes.values()];
  } finally {
    folder.close();
  }
}

/**
 * Restores a backup zip into a server: the zip is restored (checksums, counts) into a temporary
 * folder, which is then copied to the server, each collection into the tenant/database it was
 * backed up from (or into the one the endpoint names, for a backup of one). Never overwrites:
 * every target collection is checked first, and one that exists stops the restore before any
 * record is written.
 */
export async function restoreToServer(zip: string, endpoint: ServerEndpoint, opts: ServerBackupOptions = {}): Promise<ServerRestoreResult> {
  const staging = await makeTempDir('chroma-server-restore-', opts.tmpDir);
  try {
    const folder = join(staging, 'folder');
    const restored = await restore(zip, folder, { signal: opts.signal, onProgress: (p) => opts.onProgress?.({ ...p, message: `restore: ${p.message}` }) });
    const scopes = scopesOf(folder, opts.collection);
    if (opts.collection !== undefined && scopes.length === 0) throw new InspectorError('NOT_FOUND', `The backup ${resolve(zip)} holds no collection ${opts.collection}`);
    const named = endpoint.tenant !== undefined || endpoint.database !== undefined;
    if (named && scopes.length > 1) {
      throw new InspectorError('INVALID_ARGUMENT', `The backup holds collections of ${scopes.length} tenant/databases; restore them to their own (name no tenant or database) or pick one with --collection`);
    }
    const targets = scopes.map((s) => ({ ...s, endpoint: named ? endpoint : { ...endpoint, tenant: s.tenant, database: s.database } }));
    for (const t of targets) {
      const side = await ServerSide.connect(t.endpoint, opts.signal);
      for (const n of t.names) {
        if (await side.findCollection(n)) {
          throw new InspectorError('INVALID_ARGUMENT', `collection ${n} already exists in ${side.label}: a restore never writes into an existing collection`, { conflict: true, collection: n });
        }
      }
    }
    const copies: CopyReport[] = [];
    for (const t of targets) {
      const source = { kind: 'folder' as const, path: folder, tenant: t.tenant, database: t.database };
      copies.push(await copySources(source, { kind: 'server', endpoint: t.endpoint }, { collection: opts.collection, refuseExisting: true, signal: opts.signal, onProgress: say(opts, 'copy') }));
    }
    return { zip: resolve(zip), restored: { manifest: restored.manifest, collections: restored.collections, warnings: restored.warnings }, copies, ok: copies.every((c) => c.ok) };
  } finally {
    await removeQuietly(staging);
  }
}
