import { openSnapshot, type OpenSnapshot } from '../../engine/diff/open-snapshot.js';
import type { DiffReport } from '../../../shared/models.js';
import { isServerUrl } from '../../source/server/server-endpoint.js';
import { diffSides, type DiffSide } from '../../source/diff/diff-sides.js';
import { UsageError, flag, positionals, run, str, type CommandIo, type ParsedArgs } from './backup-commands.js';
import { endpointFor } from './copy-command.js';
import { formatDiff } from '../format-diff.js';

export const DIFF_USAGE = `  chroma-inspector diff <a> <b> [--collection NAME [--against NAME]] [--tenant T] [--database D] [--limit N] [--json]
    a and b: each a Chroma folder, a backup zip or an http(s):// server URL (read, never written; a
    backup is extracted to a temporary folder and checked as restore checks it). Every collection,
    matched by tenant, database and name, or one (--collection) against another (--against, default
    the same name; a and b may be one folder). With a server, one tenant/database per side (a URL's
    ?tenant=T&database=D is its own; --tenant/--database apply to the sides without one; a folder
    beside a server defaults to the server's), collections matched by name. Server credentials come
    from the environment as for copy (b may take CHROMA_INSPECTOR_TARGET_* / CHROMA_TARGET_API_KEY).
    Ids added and removed, document, metadata and embedding changes (cosine drift), settings
    (dimension, space, HNSW, embedding function). --limit caps each id list (default 1000).`;

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
      const tenant = str(args, 'tenant');
      const database = str(args, 'database');
      const opened: OpenSnapshot[] = [];
      // A server side's credentials as copy takes them: b is the "target" that may have its own.
      const side = async (arg: string, role: 'source' | 'target'): Promise<DiffSide> => {
        if (isServerUrl(arg)) return { kind: 'server', endpoint: endpointFor(arg, tenant, database, role) };
        const snapshot = await openSnapshot(arg, signal);
        opened.push(snapshot);
        return { kind: 'folder', folder: snapshot.folder, label: arg, ...(tenant ? { tenant } : {}), ...(database ? { database } : {}) };
      };
      try {
        const sideA = await side(a!, 'source');
        const sideB = await side(b!, 'target');
        return await diffSides(sideA, sideB, {
          limit,
          ...(name ? { collection: name, against: against ?? name } : {}),
          signal,
          onProgress,
          report: (s) => onProgress({ done: s.done, total: s.total ?? 0, message: s.message }),
        });
      } finally {
        for (const s of opened.reverse()) await s.close();
      }
    },
    flag(args, 'json') ? undefined : (r) => formatDiff(r as DiffReport),
  );
}
