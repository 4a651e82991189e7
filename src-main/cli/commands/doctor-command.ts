import { toErrorData } from '../../../shared/errors.js';
import { runDoctor } from '../../engine/doctor/run-doctor.js';
import { renderDoctorMarkdown } from '../../engine/doctor/render-markdown.js';
import { UsageError, defaultIo, flag, positionals, progressPrinter, type CommandIo, type ParsedArgs } from './backup-commands.js';

export const DOCTOR_USAGE = '  chroma-inspector doctor  <folder> [--json] [--private] [--measure]';

/**
 * `doctor <folder>`: the health report of a whole folder (src-main/engine/doctor/), read-only.
 * Markdown on stdout, or the DoctorReport as JSON with --json; --private leaves out ids,
 * documents and paths; --measure purges and vacuums a temporary copy to say what that reclaims.
 * Progress on stderr, Ctrl-C cancels. Exit 0 without error-level findings, 1 with some (or on
 * failure), 2 bad usage, 130 cancelled.
 */
export async function doctorCommand(args: ParsedArgs, io?: CommandIo): Promise<number> {
  const out = io ?? defaultIo();
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const progress = progressPrinter(out);
  try {
    const [folder] = positionals(args, ['folder'], 'doctor');
    const report = await runDoctor(folder!, {
      measureReclaim: flag(args, 'measure'),
      private: flag(args, 'private'),
      signal: ac.signal,
      onProgress: progress.onProgress,
    });
    progress.end();
    out.stdout(flag(args, 'json') ? `${JSON.stringify(report)}\n` : renderDoctorMarkdown(report));
    return report.summary.errors > 0 ? 1 : 0;
  } catch (err) {
    progress.end();
    if (err instanceof UsageError) {
      out.stderr(`error: ${err.message}\n\nusage:\n${DOCTOR_USAGE}\n`);
      return 2;
    }
    const data = toErrorData(err);
    out.stderr(`error [${data.code}]: ${data.message}\n`);
    return data.code === 'CANCELLED' ? 130 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
