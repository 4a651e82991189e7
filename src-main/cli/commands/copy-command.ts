import { copySources } from '../../source/copy/copy-sources.js';
import type { CopyReport, SourceSpec } from '../../source/copy/copy-types.js';
import { isServerUrl, serverEndpoint, serverOptionsFromEnv, targetServerOptionsFromEnv, type ServerEndpoint } from '../../source/server/server-endpoint.js';
import type { Progress } from '../../engine/backup/task.js';
import { flag, positionals, positiveInt, run, str, type CommandIo, type ParsedArgs } from './backup-commands.js';

/**
 * `copy <source> <target>`: each side a Chroma folder or a server URL. Progress goes to stderr,
 * the report to stdout (text, or JSON with --json); exit 0 when every collection verified, 1
 * when one did not (or on an error), 2 on bad usage, 130 when interrupted (Ctrl-C).
 */
export const COPY_USAGE = `  chroma-inspector copy <source> <target> [--collection NAME] [--resume] [--batch-size N] [--tenant T] [--database D] [--json]
    source and target: each a Chroma folder or an http(s):// server URL (folder → server, server → folder,
    server → server, folder → folder); one collection or all of the tenant/database in use. A server URL's
    ?tenant=T&database=D is that side's own; --tenant/--database apply to the sides without one.
    A non-empty target collection is refused unless --resume, which skips the ids it already holds.
    Credentials come from the environment; a target server with its own takes them from
    CHROMA_INSPECTOR_TARGET_TOKEN (…_TARGET_TOKEN_HEADER, …_TARGET_BASIC_AUTH, …_TARGET_HEADERS) or CHROMA_TARGET_API_KEY.
    Ends with a verification (counts, sampled records, sample queries); exit 1 if it fails.`;

/** A copy's progress (total possibly unknown) as the CLI's progress line takes it. */
export const progressOf = (onProgress: (p: Progress) => void) => (p: { done: number; total?: number; message?: string }) =>
  onProgress({ done: p.done, total: p.total ?? 0, message: p.message ?? '' });

/**
 * A server side's endpoint: credentials from the environment; the URL's own ?tenant/?database win
 * over --tenant/--database here, so two servers of one copy can each name theirs.
 */
export function endpointFor(url: string, tenant: string | undefined, database: string | undefined, role: 'source' | 'target' = 'source'): ServerEndpoint {
  const options = role === 'target' ? targetServerOptionsFromEnv() : serverOptionsFromEnv();
  let query: URLSearchParams | null = null;
  try {
    query = new URL(url).searchParams;
  } catch {
    // serverEndpoint says what is wrong with it
  }
  if (query?.has('tenant')) delete options.tenant;
  else if (tenant) options.tenant = tenant;
  if (query?.has('database')) delete options.database;
  else if (database) options.database = database;
  return serverEndpoint(url, options);
}

export function sideOf(arg: string, tenant: string | undefined, database: string | undefined, role: 'source' | 'target' = 'source'): SourceSpec {
  return isServerUrl(arg) ? { kind: 'server', endpoint: endpointFor(arg, tenant, database, role) } : { kind: 'folder', path: arg, tenant, database };
}

/** The report as text: one line per collection, then what did not verify. */
export function formatCopyReport(report: CopyReport): string {
  const lines = [`${report.source} → ${report.target}`];
  const width = Math.max(0, ...report.collections.map((c) => c.name.length));
  for (const c of report.collections) {
    const v = c.verification;
    const checked = v.ok ? `verified (${v.sampled} records compared, ${v.queries} queries${v.recall === null ? '' : `, recall ${v.recall.toFixed(2)}`})` : 'NOT VERIFIED';
    const made = c.created ? ', created' : '';
    lines.push(`  ${c.name.padEnd(width)}  ${c.sourceCount} records: ${c.copied} copied, ${c.skipped} already there${made}; target ${c.targetCount}  ${checked}`);
    if (v.sourceCount !== v.targetCount) lines.push(`    the source holds ${v.sourceCount} records, the target ${v.targetCount}`);
    for (const d of [...v.sampleDifferences, ...v.queryDifferences].slice(0, 10)) lines.push(`    ${d}`);
  }
  if (report.collections.length === 0) lines.push('  no collections to copy');
  lines.push(report.ok ? 'copy verified' : 'copy NOT verified: see the differences above');
  return `${lines.join('\n')}\n`;
}

export function copyCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(
    io,
    COPY_USAGE,
    async ({ signal, onProgress }) => {
      const [source, target] = positionals(args, ['source', 'target'], 'copy');
      const tenant = str(args, 'tenant');
      const database = str(args, 'database');
      return copySources(sideOf(source!, tenant, database), sideOf(target!, tenant, database, 'target'), {
        collection: str(args, 'collection'),
        resume: flag(args, 'resume'),
        batchSize: positiveInt(args, 'batch-size'),
        signal,
        onProgress: progressOf(onProgress),
      });
    },
    flag(args, 'json') ? undefined : (r) => formatCopyReport(r as CopyReport),
    (r) => ((r as CopyReport).ok ? 0 : 1),
  );
}
