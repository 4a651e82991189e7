import { toErrorData } from '../../../shared/errors.js';
import type { CollectionRef } from '../../../shared/models.js';
import { backup } from '../../engine/backup/backup.js';
import { restore } from '../../engine/backup/restore.js';
import { verify } from '../../engine/backup/verify.js';
import { EXPORT_FORMATS, exportCollection, formatFromPath, type ExportFormat } from '../../engine/backup/export-records.js';
import { importFormatFromPath, importRecords, type ImportFormat } from '../../engine/backup/import-records.js';
import type { Progress } from '../../engine/backup/task.js';

/**
 * `backup`, `verify`, `restore`, `export` and `import` for the command line. Each takes the
 * arguments after the command name, already split by util.parseArgs, prints progress and
 * warnings to stderr and the result (one JSON object) to stdout, and returns the exit code:
 * 0 success, 1 failure (`error [CODE]: message` on stderr), 2 bad usage, 130 interrupted.
 */

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | boolean | (string | boolean)[] | undefined>;
}

export const BACKUP_USAGE = `  chroma-inspector backup  <folder> <out.zip> [--collection NAME [--tenant T] [--database D]] [--exclude-orphans]
  chroma-inspector verify  <backup.zip>
  chroma-inspector restore <backup.zip> <new-folder>
  chroma-inspector export  <folder> <out.jsonl|out.csv|out.parquet> --collection NAME [--tenant T] [--database D] [--format jsonl|csv|parquet] [--args JSON] [--page-size N]
  chroma-inspector import  <file.jsonl|file.parquet> <folder> --collection NAME [--tenant T] [--database D] [--format jsonl|parquet] [--space l2|ip|cosine] [--upsert] [--batch-size N] [--force]`;

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress then redraws one line). */
  tty: boolean;
}

export const defaultIo = (): CommandIo => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  tty: Boolean(process.stderr.isTTY),
});

export class UsageError extends Error {}

export const str = (args: ParsedArgs, name: string): string | undefined => {
  const v = args.options[name];
  if (v === undefined || v === false) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  return v;
};
export const flag = (args: ParsedArgs, name: string): boolean => args.options[name] === true;

export function positionals(args: ParsedArgs, names: string[], command: string): string[] {
  if (args.positionals.length < names.length) throw new UsageError(`${command} needs ${names.map((n) => `<${n}>`).join(' ')}`);
  if (args.positionals.length > names.length) throw new UsageError(`${command}: unexpected argument "${args.positionals[names.length]}"`);
  return args.positionals;
}

export function collectionRef(args: ParsedArgs, required: boolean): CollectionRef | undefined {
  const name = str(args, 'collection');
  if (!name) {
    if (required) throw new UsageError('needs --collection NAME');
    if (str(args, 'tenant') || str(args, 'database')) throw new UsageError('--tenant/--database need --collection NAME');
    return undefined;
  }
  return { name, tenant: str(args, 'tenant'), database: str(args, 'database') };
}

export function positiveInt(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

/**
 * Progress on stderr: a redrawn line on a terminal, otherwise at most one line every 2 s.
 * `quiet` keeps a log silent for work that ends within 2 s (loads inside a quick query).
 */
export function progressPrinter(io: CommandIo, opts: { quiet?: boolean } = {}): { onProgress: (p: Progress) => void; end: () => void } {
  let last = opts.quiet && !io.tty ? Date.now() : 0;
  let drawn = false;
  const line = (p: Progress) => {
    const pct = p.total > 0 ? `${Math.min(100, Math.floor((100 * p.done) / p.total))}% ` : '';
    return `${pct}${p.message}`;
  };
  return {
    onProgress: (p) => {
      const now = Date.now();
      if (io.tty) {
        if (now - last < 100) return;
        last = now;
        drawn = true;
        io.stderr(`\r\x1b[2K${line(p).slice(0, 160)}`);
      } else if (now - last >= 2000) {
        last = now;
        io.stderr(`${line(p)}\n`);
      }
    },
    end: () => {
      if (drawn) io.stderr('\r\x1b[2K');
    },
  };
}

/**
 * Runs a long command with Ctrl-C wired to its AbortSignal and errors turned into exit codes. The
 * result goes to stdout as one JSON object, or as the text `format` makes of it; a command that
 * succeeds but has bad news to report (doctor's error findings) says so with `exitCode`.
 */
export async function run(
  io: CommandIo | undefined,
  usageHint: string,
  body: (ctx: { io: CommandIo; signal: AbortSignal; onProgress: (p: Progress) => void }) => Promise<unknown>,
  format?: (result: unknown) => string,
  exitCode?: (result: unknown) => number,
): Promise<number> {
  const out = io ?? defaultIo();
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const progress = progressPrinter(out);
  try {
    const result = (await body({ io: out, signal: ac.signal, onProgress: progress.onProgress })) as { warnings?: string[] };
    progress.end();
    for (const w of result.warnings ?? []) out.stderr(`warning: ${w}\n`);
    out.stdout(format ? format(result) : `${JSON.stringify(result)}\n`);
    return exitCode ? exitCode(result) : 0;
  } catch (err) {
    progress.end();
    if (err instanceof UsageError) {
      out.stderr(`error: ${err.message}\n\nusage:\n${usageHint}\n`);
      return 2;
    }
    const data = toErrorData(err);
    out.stderr(`error [${data.code}]: ${data.message}\n`);
    return data.code === 'CANCELLED' ? 130 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

const usageOf = (cmd: string) => BACKUP_USAGE.split('\n').filter((l) => l.includes(`chroma-inspector ${cmd} `)).join('\n');

export function backupCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('backup'), async ({ signal, onProgress }) => {
    const [folder, zip] = positionals(args, ['folder', 'out.zip'], 'backup');
    const collection = collectionRef(args, false);
    const r = await backup(folder!, zip!, { collection, excludeOrphans: flag(args, 'exclude-orphans'), signal, onProgress });
    const m = r.manifest;
    return { zip: r.zip, bytes: r.bytes, files: m.files.length, attempts: m.attempts, era: m.era.label, collections: m.collections, warnings: m.warnings };
  });
}

export function verifyCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('verify'), async ({ signal, onProgress }) => {
    const [zip] = positionals(args, ['backup.zip'], 'verify');
    const r = await verify(zip!, { signal, onProgress });
    return { ok: true, zip: r.zip, files: r.files, bytes: r.bytes, hasManifest: r.manifest !== null, tool: r.manifest?.tool ?? null, createdAt: r.manifest?.createdAt ?? null, collections: r.collections, warnings: r.warnings };
  });
}

export function restoreCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('restore'), async ({ signal, onProgress }) => {
    const [zip, target] = positionals(args, ['backup.zip', 'new-folder'], 'restore');
    const r = await restore(zip!, target!, { signal, onProgress });
    return { folder: r.folder, files: r.files, bytes: r.bytes, hasManifest: r.manifest !== null, collections: r.collections, warnings: r.warnings };
  });
}

export function exportCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('export'), async ({ signal, onProgress }) => {
    const [folder, file] = positionals(args, ['folder', 'out-file'], 'export');
    const ref = collectionRef(args, true)!;
    const given = str(args, 'format');
    if (given !== undefined && !EXPORT_FORMATS.includes(given as ExportFormat)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const format = (given as ExportFormat | undefined) ?? formatFromPath(file!);
    if (!format) throw new UsageError(`cannot tell the format from "${file}": use a .jsonl, .csv or .parquet name, or --format`);
    let getArgs: Record<string, unknown> | undefined;
    const text = str(args, 'args');
    if (text !== undefined) {
      try {
        getArgs = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        throw new UsageError(`--args is not valid JSON: ${(err as Error).message}`);
      }
    }
    return exportCollection(folder!, ref, file!, { format, args: getArgs, pageSize: positiveInt(args, 'page-size'), signal, onProgress });
  });
}

export function importCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('import'), async ({ signal, onProgress }) => {
    const [file, folder] = positionals(args, ['file', 'folder'], 'import');
    const ref = collectionRef(args, true)!;
    const given = str(args, 'format');
    if (given !== undefined && given !== 'jsonl' && given !== 'parquet') throw new UsageError('--format must be jsonl or parquet');
    const format = (given as ImportFormat | undefined) ?? importFormatFromPath(file!);
    if (!format) throw new UsageError(`cannot tell the format from "${file}": use a .jsonl or .parquet name, or --format`);
    const space = str(args, 'space');
    if (space !== undefined && space !== 'l2' && space !== 'ip' && space !== 'cosine') throw new UsageError('--space must be l2, ip or cosine');
    const mode = flag(args, 'upsert') ? 'upsert' : 'add';
    return importRecords(file!, folder!, {
      collection: ref.name,
      tenant: ref.tenant,
      database: ref.database,
      format,
      batchSize: positiveInt(args, 'batch-size'),
      mode,
      space,
      force: flag(args, 'force'),
      signal,
      onProgress,
    });
  });
}
