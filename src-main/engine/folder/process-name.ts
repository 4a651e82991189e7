import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Longer command lines are cut here: a message names the program, not every argument. */
const SHOWN_CHARS = 120;

/**
 * The command line of process `pid`, for messages that name who holds a folder ("1234 (chroma run
 * --path ./db)"); null when it cannot be read (ended meanwhile, another user's, Windows). Linux
 * reads /proc/<pid>/cmdline; macOS and the BSDs have no /proc and ask `ps`, which they ship (a
 * process start, so only for messages: a refusal, a folder's activity report).
 */
export function processCommand(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const command = process.platform === 'win32' ? null : (fromProc(pid) ?? fromPs(pid));
  if (!command) return null;
  return command.length > SHOWN_CHARS ? `${command.slice(0, SHOWN_CHARS)}…` : command;
}

/** `1234 (chroma run --path db)`, or `1234` alone when its command cannot be read. */
export function describeProcess(pid: number): string {
  const command = processCommand(pid);
  return command ? `${pid} (${command})` : String(pid);
}

function fromProc(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || null;
  } catch {
    return null;
  }
}

/** What `ps` says (exported for tests on Linux, where /proc answers first). */
export function fromPs(pid: number): string | null {
  // An app started from the macOS Finder may not have /bin on its PATH. -ww: never cut to a width.
  for (const ps of ['/bin/ps', '/usr/bin/ps', 'ps']) {
    try {
      const out = execFileSync(ps, ['-ww', '-o', 'command=', '-p', String(pid)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      });
      return out.trim() || null;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT' || code === 'EACCES') continue;
      return null; // status 1: no such process
    }
  }
  return null;
}
