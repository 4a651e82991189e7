import type { MigrationPreview } from '../../../shared/models.js';
import { previewMigration } from '../../engine/migrate/preview-migration.js';
import { RELEASE_SYNTAX } from '../../engine/migrate/chroma-releases.js';
import { replayToSeq } from '../../engine/wal/replay-to-seq.js';
import { exportWal, walExportFormatFromPath, type WalExportFormat } from '../../engine/wal/export-wal.js';
import { UsageError, collectionRef, flag, positionals, positiveInt, run, str, type CommandIo, type ParsedArgs } from './backup-commands.js';
import { formatMigrationPreview } from './migrate-summary.js';
import { CHROMA_OPTIONS_HELP, CHROMA_OPTIONS_USAGE, chromaSetting, realChromaLine } from './chroma-option.js';

/**
 * `migrate`, `replay` and `wal-export`: each reads the source folder only and writes a new folder
 * or file. Progress goes to stderr, Ctrl-C cancels (nothing is left behind), and the exit status
 * is 0 on success, 1 on failure (`error [CODE]: message`), 2 on bad usage, 130 when cancelled.
 */

export const MIGRATE_USAGE = `  chroma-inspector migrate    <folder> <new-folder> --to VERSION [--json] ${CHROMA_OPTIONS_USAGE}   (VERSION: 1.3.4 for chromadb on PyPI, js-1.3.4 for the JS bindings)
${CHROMA_OPTIONS_HELP}
  chroma-inspector replay     <folder> <new-folder> --to-seq N
  chroma-inspector wal-export <folder> <out.jsonl|out.parquet> [--collection NAME [--tenant T] [--database D]] [--format jsonl|parquet] [--no-embeddings]`;

const usageOf = (cmd: string) => MIGRATE_USAGE.split('\n').filter((l) => l.includes(`chroma-inspector ${cmd} `)).join('\n');

/** `migrate`: a migration preview; a readable summary on stdout, or the whole preview as JSON with --json. */
export function migrateCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(
    io,
    usageOf('migrate'),
    async ({ io: out, signal, onProgress }) => {
      const [folder, target] = positionals(args, ['folder', 'new-folder'], 'migrate');
      const to = str(args, 'to');
      if (!to) throw new UsageError(`migrate needs --to VERSION: ${RELEASE_SYNTAX}`);
      const preview = await previewMigration(folder!, target!, { to, verifyWithChroma: chromaSetting(args), signal, onProgress });
      out.stderr(realChromaLine(preview.realChroma));
      return preview;
    },
    flag(args, 'json') ? undefined : (r) => formatMigrationPreview(r as MigrationPreview),
  );
}

export function replayCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('replay'), async ({ signal, onProgress }) => {
    const [folder, target] = positionals(args, ['folder', 'new-folder'], 'replay');
    const text = str(args, 'to-seq');
    if (text === undefined) throw new UsageError('replay needs --to-seq N (a WAL seq id)');
    const seq = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(seq)) throw new UsageError(`--to-seq must be a whole number ≥ 0, got "${text}"`);
    return replayToSeq(folder!, target!, { seq, signal, onProgress });
  });
}

export function walExportCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, usageOf('wal-export'), async ({ signal, onProgress }) => {
    const [folder, file] = positionals(args, ['folder', 'out-file'], 'wal-export');
    const given = str(args, 'format');
    if (given !== undefined && given !== 'jsonl' && given !== 'parquet') throw new UsageError('--format must be jsonl or parquet');
    const format = (given as WalExportFormat | undefined) ?? walExportFormatFromPath(file!);
    if (!format) throw new UsageError(`cannot tell the format from "${file}": use a .jsonl or .parquet name, or --format`);
    const collection = collectionRef(args, false);
    return exportWal(folder!, file!, {
      format,
      ...(collection ? { collection } : {}),
      embeddings: !flag(args, 'no-embeddings'),
      pageSize: positiveInt(args, 'page-size'),
      signal,
      onProgress,
    });
  });
}
