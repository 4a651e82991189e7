import { execFile } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { InspectorError, invalidArgument } from '../../../shared/errors.js';

/** Which real Chroma checks a result: found on its own ('auto'), none ('off'), or the executable at a path. */
export type ChromaSetting = 'auto' | 'off' | string;

/** The environment variable naming a Chroma executable (as `--chroma PATH` does). */
export const CHROMA_ENV = 'CHROMA_INSPECTOR_CHROMA';

export interface FoundChroma {
  executable: string;
  /**
   * The release in `--to` syntax (`1.3.4` for the chromadb Python package, `js-1.3.4` for the JS
   * bindings) when the installed package tells it; otherwise what `chroma --version` prints, which
   * is the CLI's own version (the JS bindings 1.3.4 print `chroma 1.4.4`); null when neither says.
   */
  version: string | null;
  /** True when `version` is a release in `--to` syntax. */
  versionIsRelease: boolean;
}

/** Why a found executable cannot serve as Chroma: it does not run at all. */
export class ChromaUnusable extends Error {
  constructor(
    readonly executable: string,
    message: string,
  ) {
    super(message);
  }
}

const VERSION_TIMEOUT_MS = 20_000;

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (process.platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `chroma` on PATH: both the chromadb Python package and the npm `chromadb` package install one. */
export function chromaOnPath(env: NodeJS.ProcessEnv = process.env): string | null {
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((e) => e.toLowerCase()) : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue; // a relative PATH entry would run whatever the cwd holds
    for (const ext of exts) {
      const file = join(dir, `chroma${ext}`);
      if (isExecutableFile(file)) return file;
    }
  }
  return null;
}

/**
 * The executable a setting names: null for 'off', and for 'auto' when there is none (the env
 * variable first, then PATH). An explicit path that is not an executable file is an error.
 */
export function locateChroma(setting: ChromaSetting = 'auto', env: NodeJS.ProcessEnv = process.env): string | null {
  if (setting === 'off') return null;
  const explicit = setting === 'auto' ? env[CHROMA_ENV] || undefined : setting;
  if (explicit === undefined) return chromaOnPath(env);
  const file = resolve(explicit);
  const from = setting === 'auto' ? `${CHROMA_ENV}` : 'the Chroma executable';
  if (!existsSync(file)) throw new InspectorError('NOT_FOUND', `${from} ${file} does not exist`, { reason: 'chroma.missing', file });
  if (!isExecutableFile(file)) throw invalidArgument(`${from} ${file} is not an executable file`, { reason: 'chroma.not-executable', file });
  return file;
}

/** The chromadb-js-bindings package beside an npm-installed `chroma` (node_modules/.bin or chromadb/dist/cli.mjs). */
function jsBindingsVersion(executable: string): string | null {
  let dir = dirname(realpathSync(executable));
  for (let i = 0; i < 6; i++) {
    for (const modules of basename(dir) === 'node_modules' ? [dir, join(dir, 'node_modules')] : [join(dir, 'node_modules')]) {
      let names: string[];
      try {
        names = readdirSync(modules).filter((n) => n.startsWith('chromadb-js-bindings-'));
      } catch {
        continue;
      }
      for (const n of names) {
        try {
          const v = (JSON.parse(readFileSync(join(modules, n, 'package.json'), 'utf8')) as { version?: unknown }).version;
          if (typeof v === 'string') return `js-${v}`;
        } catch {
          /* not a package: keep looking */
        }
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The interpreter of a script's `#!` line, when it is a Python (a pip-installed `chroma`). */
function pythonOf(executable: string): string | null {
  const buf = Buffer.alloc(256);
  let n: number;
  try {
    const fd = openSync(executable, 'r');
    try {
      n = readSync(fd, buf, 0, buf.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(buf.subarray(0, n).toString('utf8'));
  if (!m) return null;
  const interpreter = basename(m[1]!) === 'env' && m[2] ? m[2] : m[1]!;
  return /python[\d.]*$/.test(basename(interpreter)) ? interpreter : null;
}

function run(file: string, args: string[], signal?: AbortSignal): Promise<{ ok: boolean; out: string }> {
  return new Promise((done) => {
    execFile(file, args, { timeout: VERSION_TIMEOUT_MS, signal, windowsHide: true, shell: process.platform === 'win32' && /\.(cmd|bat)$/i.test(file) }, (err, stdout, stderr) =>
      done({ ok: !err, out: `${stdout}${stderr}`.trim() }),
    );
  });
}

/**
 * What a Chroma executable is. It must answer `--version` (the Rust CLI of Chroma 1.x, Python or
 * npm, does); one that cannot even do that does not run here (a missing library, a broken venv),
 * which throws ChromaUnusable with what it printed.
 */
export async function describeChroma(executable: string, signal?: AbortSignal): Promise<FoundChroma> {
  const probe = await run(executable, ['--version'], signal);
  if (signal?.aborted) throw new InspectorError('CANCELLED', 'Cancelled', { reason: 'cancelled' });
  // Older Python CLIs (typer, before 1.0) have no --version but do print their help.
  const alive = probe.ok || (await run(executable, ['--help'], signal)).ok;
  if (!alive) throw new ChromaUnusable(executable, `${executable} does not run: ${probe.out.split('\n').slice(-3).join(' ') || 'no output'}`);
  let release: string | null = null;
  try {
    release = jsBindingsVersion(executable);
  } catch {
    /* unreadable layout: fall back to what it prints */
  }
  const python = release === null ? pythonOf(executable) : null;
  if (python) {
    const got = await run(python, ['-c', "import importlib.metadata as m; print(m.version('chromadb'))"], signal);
    if (got.ok && /^\d+\.\d+\.\d+/.test(got.out)) release = got.out.split('\n')[0]!.trim();
  }
  const printed = probe.ok ? probe.out.split('\n')[0]!.trim() || null : null;
  return { executable, version: release ?? printed, versionIsRelease: release !== null };
}
