import type { DoctorReport } from '../../../shared/models.js';
import { runDoctor } from '../../engine/doctor/run-doctor.js';
import { renderDoctorMarkdown } from '../../engine/doctor/render-markdown.js';
import { flag, positionals, run, type CommandIo, type ParsedArgs } from './backup-commands.js';

export const DOCTOR_USAGE = '  chroma-inspector doctor  <folder> [--json] [--private] [--measure]';

/**
 * `doctor <folder>`: the health report of a whole folder (src-main/engine/doctor/), read-only.
 * Markdown on stdout, or the DoctorReport as JSON with --json; --private leaves out ids,
 * documents and paths; --measure purges and vacuums a temporary copy to say what that reclaims.
 * Progress on stderr, Ctrl-C cancels. Exit 0 without error-level findings, 1 with some (or on
 * failure), 2 bad usage, 130 cancelled.
 */
export function doctorCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  return run(
    io,
    DOCTOR_USAGE,
    async ({ signal, onProgress }) => {
      const [folder] = positionals(args, ['folder'], 'doctor');
      return runDoctor(folder!, { measureReclaim: flag(args, 'measure'), private: flag(args, 'private'), signal, onProgress });
    },
    flag(args, 'json') ? undefined : (report) => renderDoctorMarkdown(report as DoctorReport),
    (report) => ((report as DoctorReport).summary.errors > 0 ? 1 : 0),
  );
}
