import { backupServer, restoreToServer } from '../../source/copy/server-backup.js';
import { isServerUrl } from '../../source/server/server-endpoint.js';
import { endpointFor, progressOf } from './copy-command.js';
import { positionals, run, str, UsageError, type CommandIo, type ParsedArgs } from './backup-commands.js';
import { EXPORT_FORMATS, formatFromPath, type ExportFormat } from '../../engine/backup/export-records.js';
import { InspectorError } from '../../../shared/errors.js';
import { exportServerCollection } from '../../source/server/server-export.js';
import { ServerRecordsHttp } from '../../source/server/server-records-http.js';
import { ServerSource } from '../../source/server/server-source.js';
import { spaceOf } from '../../source/copy/collection-spec.js';
import { importFormatFromPath, importRecords, type ImportFormat } from '../../engine/backup/import-records.js';
import { makeTempDir, removeQuietly } from '../../engine/backup/temp-dir.js';
import { copySources } from '../../source/copy/copy-sources.js';
import { join } from 'node:path';

/**
 * `backup <server-url> <out.zip>` and `restore <backup.zip> <server-url>`: the folder forms'
 * zip format, for a server. Output as the folder forms: progress on stderr, one JSON object on
 * stdout; exit 1 when the copy behind them does not verify.
 */
export const SERVER_BACKUP_USAGE = `  chroma-inspector backup  <server-url> <out.zip> [--collection NAME] [--tenant T] [--database D]
  chroma-inspector restore <backup.zip> <server-url> [--collection NAME] [--tenant T] [--database D]
    a server collection (or all of its tenant/database) into the backup zip format, and back into a
    server; restore never writes into an existing collection
  chroma-inspector export  <server-url> <out.jsonl|csv|parquet> --collection NAME [--format F] [--args JSON] [--page-size N]
    the records of a server collection (or what a get returns) in the folder export's formats, types kept
  chroma-inspector import  <file.jsonl|parquet> <server-url> --collection NAME [--space l2|ip|cosine]
    records from an export file into a server collection (created when missing; ids it holds are skipped)`;

/**
 * `import <file> <server-url> --collection NAME`: the file is imported into a temporary folder
 * (the folder form's reader and checks), then copied into the server, verified; ids the server
 * collection already holds are skipped, as Chroma's add does.
 */
export function serverImportCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(
    io,
    SERVER_BACKUP_USAGE,
    async ({ signal, onProgress }) => {
      const [file, url] = positionals(args, ['file', 'server-url'], 'import');
      if (!isServerUrl(url!)) throw new UsageError('import into a server takes the server URL second');
      const name = str(args, 'collection');
      if (!name) throw new UsageError('import needs --collection NAME');
      if (args.options.upsert === true) throw new UsageError('--upsert is for folders: an import into a server adds, skipping ids the collection holds');
      const given = str(args, 'format');
      if (given !== undefined && given !== 'jsonl' && given !== 'parquet') throw new UsageError('--format must be jsonl or parquet');
      const format = (given as ImportFormat | undefined) ?? importFormatFromPath(file!);
      if (!format) throw new UsageError(`cannot tell the format from "${file}": use a .jsonl or .parquet name, or --format`);
      const space = str(args, 'space');
      if (space !== undefined && space !== 'l2' && space !== 'ip' && space !== 'cosine') throw new UsageError('--space must be l2, ip or cosine');
      const endpoint = endpointFor(url!, str(args, 'tenant'), str(args, 'database'));
      // Credentials, version and scope are checked before the file is read.
      await ServerSource.connect(endpoint);
      const staging = await makeTempDir('chroma-server-import-');
      try {
        const folder = join(staging, 'import');
        const imported = await importRecords(file!, folder, { collection: name, format, ...(space ? { space } : {}), signal, onProgress });
        const copy = await copySources({ kind: 'folder', path: folder }, { kind: 'server', endpoint }, { collection: name, resume: true, signal, onProgress: progressOf(onProgress) });
        const c = copy.collections[0];
        return { ok: copy.ok, file: imported.file, target: copy.target, collection: name, read: imported.records, added: c?.copied ?? 0, skipped: c?.skipped ?? 0, records: c?.targetCount ?? 0, warnings: [...imported.warnings, ...copy.warnings] };
      } finally {
        await removeQuietly(staging);
      }
    },
    undefined,
    (r) => ((r as { ok: boolean }).ok ? 0 : 1),
  );
}

/** `export <server-url> <out-file> --collection NAME`: the folder form's files, from a server. */
export function serverExportCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, SERVER_BACKUP_USAGE, async ({ signal, onProgress }) => {
    const [url, file] = positionals(args, ['server-url', 'out-file'], 'export');
    if (!isServerUrl(url!)) throw new UsageError('export from a server takes the server URL first');
    const name = str(args, 'collection');
    if (!name) throw new UsageError('export needs --collection NAME');
    const given = str(args, 'format');
    if (given !== undefined && !EXPORT_FORMATS.includes(given as ExportFormat)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const format = (given as ExportFormat | undefined) ?? formatFromPath(file!);
    if (!format) throw new UsageError(`cannot tell the format from "${file}": use a .jsonl, .csv or .parquet name, or --format`);
    const text = str(args, 'args');
    let getArgs: Record<string, unknown> | undefined;
    try {
      getArgs = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
    } catch (err) {
      throw new UsageError(`--args is not valid JSON: ${(err as Error).message}`);
    }
    const pageSize = str(args, 'page-size');
    // Connecting first gives version skew, credentials and tenant/database their clear errors.
    const source = await ServerSource.connect(endpointFor(url!, str(args, 'tenant'), str(args, 'database')));
    const http = new ServerRecordsHttp(source.endpoint, source.tenant, source.database, signal);
    const c = await http.getCollection(name);
    if (!c) throw new InspectorError('NOT_FOUND', `Collection "${name}" does not exist in ${source.tenant}/${source.database} on ${source.url}`);
    const r = await exportServerCollection(
      { endpoint: source.endpoint, tenant: source.tenant, database: source.database, collection: { id: c.id, name: c.name, dimension: c.dimension, space: spaceOf(c.configuration ?? {}) } },
      file!,
      { format, ...(getArgs ? { args: getArgs } : {}), ...(pageSize ? { pageSize: Number(pageSize) } : {}), signal, onProgress },
    );
    return { file: r.file, format, records: r.records, collection: { name: c.name, tenant: source.tenant, database: source.database }, fields: r.fields };
  });
}

export function serverBackupCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, SERVER_BACKUP_USAGE, async ({ signal, onProgress }) => {
    const [url, zip] = positionals(args, ['server-url', 'out.zip'], 'backup');
    if (!isServerUrl(url!)) throw new UsageError('backup from a server takes the server URL first');
    const r = await backupServer(endpointFor(url!, str(args, 'tenant'), str(args, 'database')), zip!, {
      collection: str(args, 'collection'),
      signal,
      onProgress: progressOf(onProgress),
    });
    const m = r.manifest;
    return { zip: r.zip, bytes: r.bytes, files: m.files.length, era: m.era.label, source: r.copy.source, collections: m.collections, warnings: m.warnings };
  });
}

export function serverRestoreCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(
    io,
    SERVER_BACKUP_USAGE,
    async ({ signal, onProgress }) => {
      const [zip, url] = positionals(args, ['backup.zip', 'server-url'], 'restore');
      if (!isServerUrl(url!)) throw new UsageError('restore into a server takes the server URL second');
      const r = await restoreToServer(zip!, endpointFor(url!, str(args, 'tenant'), str(args, 'database')), {
        collection: str(args, 'collection'),
        signal,
        onProgress: progressOf(onProgress),
      });
      return {
        ok: r.ok,
        zip: r.zip,
        targets: r.copies.map((c) => c.target),
        collections: r.copies.flatMap((c) =>
          c.collections.map((x) => ({
            name: x.name,
            records: x.targetCount,
            verified: x.verification.ok,
            ...(x.verification.ok ? {} : { differences: [...x.verification.sampleDifferences, ...x.verification.queryDifferences] }),
          })),
        ),
        warnings: [...r.restored.warnings, ...r.copies.flatMap((c) => c.warnings)],
      };
    },
    undefined,
    (r) => ((r as { ok: boolean }).ok ? 0 : 1),
  );
}
