import { backupServer, restoreToServer } from '../../source/copy/server-backup.js';
import { isServerUrl } from '../../source/server/server-endpoint.js';
import { endpointFor, progressOf } from './copy-command.js';
import { positionals, run, str, UsageError, type CommandIo, type ParsedArgs } from './backup-commands.js';

/**
 * `backup <server-url> <out.zip>` and `restore <backup.zip> <server-url>`: the folder forms'
 * zip format, for a server. Output as the folder forms: progress on stderr, one JSON object on
 * stdout; exit 1 when the copy behind them does not verify.
 */
export const SERVER_BACKUP_USAGE = `  chroma-inspector backup  <server-url> <out.zip> [--collection NAME] [--tenant T] [--database D]
  chroma-inspector restore <backup.zip> <server-url> [--collection NAME] [--tenant T] [--database D]
    a server collection (or all of its tenant/database) into the backup zip format, and back into a
    server; restore never writes into an existing collection`;

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
