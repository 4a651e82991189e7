import { readFileSync } from 'node:fs';
import { holderCommand } from './holder-scan.js';

/** Longer command lines are cut here: a message names the program, not every argument. */
const SHOWN_CHARS = 120;

/**
 * The command line of process `pid`, for messages that name who holds a folder ("1234 (chroma run
 * --path ./db)"); null when it is not known. Linux reads /proc/<pid>/cmdline (microseconds);
 * elsewhere the scan that found the process named it (holder-scan.ts asks `ps` once for all the
 * holders it finds, in its worker), so that no message starts a process on the engine's thread.
 */
export function processCommand(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const command = (process.platform === 'linux' ? fromProc(pid) : null) ?? holderCommand(pid) ?? null;
  if (!command) return null;
  // By code points: a cut never splits a character.
  const chars = Array.from(command);
  return chars.length > SHOWN_CHARS ? `${chars.slice(0, SHOWN_CHARS).join('')}…` : command;
}

/** `1234 (chroma run --path db)`, or `1234` alone when its command is not known. */
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
