import type { RealChromaCheck } from '../../../shared/models.js';
import type { ChromaSetting } from '../../engine/verify/find-chroma.js';
import { UsageError, flag, str, type ParsedArgs } from './backup-commands.js';

/** The usage of the options `fix` and `migrate` share. */
export const CHROMA_OPTIONS_USAGE = '[--chroma PATH | --no-chroma]';
export const CHROMA_OPTIONS_HELP =
  '    --chroma PATH: the real Chroma that re-opens the result (default: $CHROMA_INSPECTOR_CHROMA, else `chroma` on PATH, if any); --no-chroma: skip that check';

/** `--chroma PATH` names the Chroma executable that re-opens the result; `--no-chroma` turns the check off. */
export function chromaSetting(args: ParsedArgs): ChromaSetting {
  const path = str(args, 'chroma');
  if (flag(args, 'no-chroma')) {
    if (path !== undefined) throw new UsageError('--chroma and --no-chroma exclude each other');
    return 'off';
  }
  if (path === '') throw new UsageError('--chroma needs the path of a Chroma executable');
  return path ?? 'auto';
}

/** The one stderr line about the real-Chroma check. */
export function realChromaLine(check: RealChromaCheck | undefined): string {
  if (!check) return '';
  const counts = check.collections.length ? ` (${check.collections.filter((c) => c.ok).length}/${check.collections.length} collections agree)` : '';
  return `real Chroma: ${check.note}${counts}\n`;
}
