import { afterEach, beforeEach, vi } from 'vitest';
import type { CommandIo } from '../../src-main/cli/commands/backup-commands.js';
import { runCli } from '../../src-main/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in-process with stdout and stderr captured, for a test file: registers the hooks
 * that capture and restore them, and returns the runner (exit status, what it printed to each).
 */
export function capturedCli(): (argv: string[]) => Promise<CliRun> {
  let out = '';
  let err = '';
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = 0;
  });
  return async (argv) => {
    out = '';
    err = '';
    process.exitCode = 0;
    await runCli(argv);
    return { code: Number(process.exitCode ?? 0), out, err };
  };
}

/**
 * Output for a command that sends SIGINT at the first progress line on stderr, as a user
 * pressing Ctrl-C while the work runs; `interrupted` says whether that moment came.
 */
export function interruptingIo(): CommandIo & { readonly interrupted: boolean } {
  const io = {
    interrupted: false,
    stdout: () => undefined,
    stderr: (s: string) => {
      if (!io.interrupted && !s.startsWith('error')) {
        io.interrupted = true;
        process.emit('SIGINT');
      }
    },
    tty: false,
  };
  return io;
}
