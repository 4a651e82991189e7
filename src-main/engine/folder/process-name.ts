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
  const found = (process.platform === 'linux' ? fromProc(pid) : null) ?? holderCommand(pid) ?? null;
  if (!found) return null;
  const command = withoutSecrets(found);
  // By code points: a cut never splits a character.
  const chars = Array.from(command);
  return chars.length > SHOWN_CHARS ? `${chars.slice(0, SHOWN_CHARS).join('')}…` : command;
}

/** `1234 (chroma run --path db)`, or `1234` alone when its command is not known. */
export function describeProcess(pid: number): string {
  const command = processCommand(pid);
  return command ? `${pid} (${command})` : String(pid);
}

/** A flag whose value is a credential: `--api-key X`, `--token=X`, `--password X`, … */
const SECRET_FLAG = /^--?[\w.-]*(?:key|token|secret|passw|pwd|auth|credential|cookie)[\w.-]*$/i;
/** A credential by its look, wherever it stands: OpenAI/Anthropic-style keys, GitHub and Slack tokens, AWS key ids. */
const SECRET_VALUE = /^(?:sk-|ghp_|gho_|github_pat_|xox[abpr]-|AKIA)[\w-]{8,}$/;

/**
 * The command line with the values of credential flags, and values that look like credentials,
 * shown as `…`: the line reaches messages and a folder's activity report, which serve sends to
 * whoever opens the folder (a script holding the database open may have a key in its arguments).
 */
export function withoutSecrets(command: string): string {
  const words = command.split(' ');
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    if (eq > 0 && SECRET_FLAG.test(word.slice(0, eq))) words[i] = `${word.slice(0, eq)}=…`;
    else if (SECRET_FLAG.test(word) && i + 1 < words.length && !words[i + 1]!.startsWith('-')) words[++i] = '…';
    else if (SECRET_VALUE.test(word)) words[i] = '…';
  }
  return words.join(' ');
}

function fromProc(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ') || null;
  } catch {
    return null;
  }
}
