import type { DiffReport } from '../../../shared/models.js';
import type { ChromaFolder } from '../../engine/chroma-folder.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT } from '../../engine/catalog/read-catalog.js';
import { diffSources, type SourceDiffOptions } from '../../engine/diff/diff-sources.js';
import type { DiffSource } from '../../engine/diff/diff-source.js';
import { FolderDiffSource } from '../../engine/diff/folder-diff-source.js';
import { withLoadProgress, type LoadReporter } from '../../engine/util/load-progress.js';
import type { ServerEndpoint } from '../server/server-endpoint.js';
import { ServerDiffSource } from '../server/server-diff-source.js';

/**
 * One side of a diff: an open folder (a backup is extracted to one first), or a Chroma server.
 * A folder's tenant/database scope the comparison: the collection named, or, beside a server,
 * the one database compared (default: the server's own).
 */
export type DiffSide = { kind: 'folder'; folder: ChromaFolder; label: string; tenant?: string; database?: string } | { kind: 'server'; endpoint: ServerEndpoint };

export interface DiffSidesOptions extends SourceDiffOptions {
  /** Receives the loads (vectors, WAL tails) a folder's reads make. */
  report?: LoadReporter;
}

/**
 * What changed from `a` to `b` (docs/diff.md). Two folders are compared in one read snapshot each,
 * every tenant and database; with a server on either side, one tenant/database per side (a
 * server's API lists no more), collections matched by name, records paged through the API.
 */
export async function diffSides(a: DiffSide, b: DiffSide, opts: DiffSidesOptions = {}): Promise<DiffReport> {
  if (a.kind === 'folder' && b.kind === 'folder') {
    const name = opts.collection;
    const against = opts.against ?? name;
    const scope = (s: typeof a, fallback?: typeof a) => ({ tenant: s.tenant ?? fallback?.tenant ?? DEFAULT_TENANT, database: s.database ?? fallback?.database ?? DEFAULT_DATABASE });
    const refs = name || against ? { collection: { name: name ?? against!, ...scope(a) }, against: { name: against ?? name!, ...scope(b, a) } } : {};
    return withLoadProgress(opts.report, () => a.folder.diff(b.folder, { labels: [a.label, b.label], ...(opts.limit === undefined ? {} : { limit: opts.limit }), ...refs }));
  }
  const [sa, sb] = await Promise.all([a, b].map((s) => (s.kind === 'server' ? ServerDiffSource.connect(s.endpoint, opts.signal) : null)));
  const server = (sa ?? sb)!;
  const open = (s: DiffSide, connected: ServerDiffSource | null | undefined): DiffSource =>
    s.kind === 'server'
      ? connected!
      : FolderDiffSource.open(s.folder, { label: s.label, tenant: s.tenant ?? server.tenant, database: s.database ?? server.database, ...(opts.report ? { report: opts.report } : {}) });
  return diffSources(open(a, sa), open(b, sb), opts);
}
