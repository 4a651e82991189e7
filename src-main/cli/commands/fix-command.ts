import { FIX_KINDS, type FixKind } from '../../../shared/models.js';
import { fixFolder } from '../../engine/repair/fix-folder.js';
import { fixInPlace } from '../../engine/repair/fix-in-place.js';
import { UsageError, flag, positionals, run, type CommandIo, type ParsedArgs } from './backup-commands.js';
import { formatFixSummary } from './fix-summary.js';
import { CHROMA_OPTIONS_HELP, CHROMA_OPTIONS_USAGE, chromaSetting } from './chroma-option.js';

export const FIX_USAGE = `  chroma-inspector fix     <folder> <new-folder> [--only KIND …] ${CHROMA_OPTIONS_USAGE}
  chroma-inspector fix     <folder> --in-place [--only KIND …] ${CHROMA_OPTIONS_USAGE}   (first a verified backup beside the folder)
    KIND: ${FIX_KINDS.join(', ')} (default: all)
${CHROMA_OPTIONS_HELP}`;

const isKind = (s: string): s is FixKind => (FIX_KINDS as readonly string[]).includes(s);

/**
 * The kinds named by `--only`: repeated (`--only orphans --only fts-rebuild`), comma-separated, or
 * listed after it (`--only orphans fts-rebuild`, which the argument parser hands over as extra
 * positionals). Returns them with the positionals that remain.
 */
function kindsAndPositionals(args: ParsedArgs, folders: number): { only: FixKind[] | undefined; rest: string[] } {
  const given = args.options.only;
  if (given === undefined) return { only: undefined, rest: args.positionals };
  const values = (Array.isArray(given) ? given : [given]).map(String).flatMap((v) => v.split(','));
  const extra = args.positionals.slice(folders);
  if (extra.every(isKind)) values.push(...extra);
  const names = values.map((v) => v.trim()).filter(Boolean);
  const unknown = names.filter((v) => !isKind(v));
  if (unknown.length > 0) throw new UsageError(`--only: unknown fix ${unknown.map((u) => JSON.stringify(u)).join(', ')} (the fixes are ${FIX_KINDS.join(', ')})`);
  if (names.length === 0) throw new UsageError(`--only needs a fix (${FIX_KINDS.join(', ')})`);
  return { only: names as FixKind[], rest: extra.every(isKind) ? args.positionals.slice(0, folders) : args.positionals };
}

/**
 * `fix`: copy-first repair (engine/repair/). Progress goes to stderr and Ctrl-C cancels (the
 * staging folder is removed); then stderr gets a summary of what each fix did and what the
 * verification found, stdout the whole report as JSON. Exit 0 when repaired and verified, 1 on
 * failure (nothing is left at the target), 2 on bad usage, 130 when cancelled.
 */
export function fixCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(io, FIX_USAGE, async ({ io: out, signal, onProgress }) => {
    const inPlace = flag(args, 'in-place');
    const { only, rest } = kindsAndPositionals(args, inPlace ? 1 : 2);
    const verifyWithChroma = chromaSetting(args);
    const report = inPlace
      ? await fixInPlace(positionals({ ...args, positionals: rest }, ['folder'], 'fix --in-place')[0]!, {
          only,
          verifyWithChroma,
          signal,
          onProgress,
          onBackup: (zip) => out.stderr(`backup written and verified: ${zip}\n`),
        })
      : await (async () => {
          const [folder, target] = positionals({ ...args, positionals: rest }, ['folder', 'new-folder'], 'fix');
          return fixFolder(folder!, target!, { only, verifyWithChroma, signal, onProgress });
        })();
    out.stderr(formatFixSummary(report));
    return report;
  });
}
