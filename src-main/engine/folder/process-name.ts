import { holderCommand, procCommand } from './holder-scan.js';

/** Longer command lines are cut here: a message names the program, not every argument. */
const SHOWN_CHARS = 120;

/**
 * The command line of process `pid`, for messages that name who holds a folder ("1234 (chroma run
 * --path ./db)"); null when it is not known. Linux reads /proc/<pid>/cmdline (microseconds);
 * elsewhere the scan that found the process named it (holder-scan.ts asks `ps` once for all the
 * holders it finds, in its worker), so that no message starts a process on the engine's thread.
 * Credentials in it are shown as `…` (withoutSecrets).
 */
export function processCommand(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  const found = process.platform === 'linux' ? procCommand(pid) : holderCommand(pid);
  if (!found) return null;
  // Cut (by code points: never inside a character) before and after the secrets are taken out:
  // an argument may be 128 KiB long, and the shown part is what matters.
  const head = Array.from(found.slice(0, 8 * SHOWN_CHARS)).slice(0, 4 * SHOWN_CHARS).join('');
  const chars = Array.from(withoutSecrets(head));
  return chars.length > SHOWN_CHARS || head.length < found.length ? `${chars.slice(0, SHOWN_CHARS).join('')}…` : chars.join('');
}

/** `1234 (chroma run --path db)`, or `1234` alone when its command is not known. */
export function describeProcess(pid: number): string {
  const command = processCommand(pid);
  return command ? `${pid} (${command})` : String(pid);
}

/** The end of a flag's or a setting's name that says its value is a credential (`--api-key`, `--auth-token`, `OPENAI_API_KEY=`). */
const SECRET_NAME = /(?:^|[-_.])(?:api[-_]?key|apikey|key|token|secret|password|passwd|pwd|credentials?|cookie)$/i;
/** A flag: dashes, then a name (bounded, so that the test above runs on a short word). */
const FLAG = /^--?[\w.-]{1,64}$/;
/** A credential by its look, wherever it stands: provider keys and tokens (GitHub, GitLab, Slack, Hugging Face, AWS key ids). */
const SECRET_VALUE = /^(?:(?:sk-|sk_live_|sk_test_|ghp_|gho_|ghs_|ghu_|github_pat_|glpat-|hf_|xox[abpr]-)[\w-]{20,}|AKIA[A-Z0-9]{16})$/;
/** A URL's user:password@. */
const URL_CREDENTIALS = /(:\/\/)[^/@\s]+@/g;

/**
 * The command line with credentials shown as `…`: the values of flags and settings named like
 * one (`--api-key X`, `--token=X`, `OPENAI_API_KEY=X`), words that look like a provider's key, and
 * the user:password of URLs. The line reaches messages and a folder's activity report, which
 * serve sends to whoever opens the folder (a script holding the database open may have a key in
 * its arguments). A heuristic: a key passed in a shape it does not know still shows.
 */
export function withoutSecrets(command: string): string {
  const words = command.split(' ');
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!.replace(URL_CREDENTIALS, '$1…@');
    words[i] = word;
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(0, eq).replace(/^--?/, '') : null;
    if (name !== null && name.length <= 64 && SECRET_NAME.test(name)) words[i] = `${word.slice(0, eq)}=…`;
    else if (FLAG.test(word) && SECRET_NAME.test(word.replace(/^--?/, '')) && i + 1 < words.length && !words[i + 1]!.startsWith('-')) words[++i] = '…';
    else if (SECRET_VALUE.test(word)) words[i] = '…';
  }
  return words.join(' ');
}
