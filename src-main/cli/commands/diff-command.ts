import { openSnapshot } from '../../engine/diff/open-snapshot.js';
import { withLoadProgress } from '../../engine/util/load-progress.js';
import type { DiffReport } from '../../../shared/models.js';
import { isServerUrl } from '../../source/server/server-endpoint.js';
import { UsageError, flag, positionals, run, str, type CommandIo, type ParsedArgs } from './backup-commands.js';
import { formatDiff } from '../format-diff.js';

export const DIFF_USAGE = `  chroma-inspector diff <a> <b> [--collection NAME [--against NAME]] [--tenant T] [--database D] [--limit N] [--json]
    a and b: each a Chroma folder or a backup zip (read, never written; a backup is extracted to a
    temporary folder and checked as restore checks it). Every collection, matched by tenant, database
    and name, or one (--collection) against another (--against, default the same name; a and b may be
    one folder). Ids added and removed, document, metadata and embedding changes (cosine drift),
    settings (dimension, space, HNSW, embedding function). --limit caps each id list (default 1000).`;

async function openSide(path: string, signal: AbortSignal) {
  if (isServerUrl(path)) throw new UsageError(`${path}: diff reads folders and backups; a server's records can be copied to a folder first (chroma-inspector copy)`);
  return openSnapshot(path, signal);
}

export async function diffCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(
    io,
    DIFF_USAGE,
    async ({ signal, onProgress }) => {
      const [a, b] = positionals(args, ['a', 'b'], 'diff');
      const name = str(args, 'collection');
      const against = str(args, 'against');
      if (against && !name) throw new UsageError('--against needs --collection NAME');
      const limitText = str(args, 'limit');
      const limit = limitText === undefined ? 1000 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number, got "${limitText}"`);
      const scope = { tenant: str(args, 'tenant'), database: str(args, 'database') };
      const sideA = await openSide(a!, signal);
      try {
        const sideB = await openSide(b!, signal);
        try {
          return withLoadProgress(
            (s) => onProgress({ done: s.done, total: s.total ?? 0, message: s.message }),
            () =>
              sideA.folder.diff(sideB.folder, {
                labels: [a!, b!],
                limit,
                ...(name ? { collection: { name, ...scope }, against: { name: against ?? name, ...scope } } : {}),
              }),
          );
        } finally {
          await sideB.close();
        }
      } finally {
        await sideA.close();
      }
    },
    flag(args, 'json') ? undefined : (r) => formatDiff(r as DiffReport),
  );
}
