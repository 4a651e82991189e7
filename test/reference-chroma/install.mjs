// Installs a real Chroma (Chroma's Rust core, published on npm as `chromadb-js-bindings-<platform>`)
// and the official `chromadb` JS client into a cache folder outside the repository, for the
// real-Chroma test suites and the benchmark. Nothing outside the cache folder is changed.
//
// On Linux, Chroma's binary needs glibc >= 2.38. On an older Debian-family system it also fetches
// Debian 13's libc with apt (from the mirror the system already uses) into the cache, and Chroma
// then runs through that loader (see chroma-server.mjs).
//
//   node test/reference-chroma/install.mjs [VERSION …] [--client]     (default: 1.3.4 and the client)
//
// env: CHROMA_INSPECTOR_REF_CACHE  the cache root (default ~/.cache/chroma-inspector/reference-chroma)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Chroma versions the tests run against, and the client version that recorded our fixtures. */
export const DEFAULT_CHROMA_VERSION = '1.3.4';
export const CLIENT_VERSION = '3.5.0';
const MIN_GLIBC = '2.38';

export function cacheRoot() {
  return process.env.CHROMA_INSPECTOR_REF_CACHE ?? join(homedir(), '.cache', 'chroma-inspector', 'reference-chroma');
}

/** The npm package of Chroma's Rust core for a platform, or null where Chroma publishes none. */
export function bindingPackage(platform = process.platform, arch = process.arch) {
  const names = {
    'linux-x64': 'linux-x64-gnu',
    'linux-arm64': 'linux-arm64-gnu',
    'darwin-arm64': 'darwin-arm64',
    'darwin-x64': 'darwin-x64',
    'win32-x64': 'win32-x64-msvc',
  };
  const suffix = names[`${platform}-${arch}`];
  return suffix ? `chromadb-js-bindings-${suffix}` : null;
}

/** glibc of this process (null off glibc Linux), from Node's own report: no `ldd` parsing. */
export function glibcVersion() {
  if (process.platform !== 'linux') return null;
  const header = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (process.report?.getReport() ?? {}).header;
  return header?.glibcVersionRuntime ?? null;
}

export function versionAtLeast(version, min) {
  const a = version.split('.').map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

const chromaDir = (version) => join(cacheRoot(), `chroma-${version}`);
const clientDir = () => join(cacheRoot(), `chromadb-client-${CLIENT_VERSION}`);
const glibcDir = () => join(cacheRoot(), 'glibc-trixie');
const loaderIn = (dir) => join(dir, 'usr', 'lib', process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu');
const problemFile = (what) => join(cacheRoot(), `install-problem-${what}.txt`);

/**
 * What is installed for `version`: the binding module and, where the system glibc is too old,
 * the loader to run it through. Null when not (yet) installed.
 * @returns {{ version: string, module: string, loader: { ld: string, libraryPath: string } | null } | null}
 */
export function installedChroma(version = DEFAULT_CHROMA_VERSION) {
  const pkg = bindingPackage();
  if (!pkg) return null;
  const module = join(chromaDir(version), 'node_modules', pkg);
  if (!existsSync(join(module, 'package.json'))) return null;
  const loader = needsOwnGlibc() ? ownGlibcLoader() : null;
  if (needsOwnGlibc() && !loader) return null;
  return { version, module, loader };
}

/** The folder holding node_modules/chromadb, or null when the client is not installed. */
export function installedClient() {
  const dir = clientDir();
  return existsSync(join(dir, 'node_modules', 'chromadb', 'package.json')) ? dir : null;
}

/** Why the last install of `what` ('chroma-1.3.4', 'client') failed, if it did. */
export function lastInstallProblem(what) {
  const file = problemFile(what);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

function needsOwnGlibc() {
  const v = glibcVersion();
  return v !== null && !versionAtLeast(v, MIN_GLIBC);
}

function ownGlibcLoader() {
  const lib = loaderIn(glibcDir());
  const ld = join(lib, process.arch === 'arm64' ? 'ld-linux-aarch64.so.1' : 'ld-linux-x86-64.so.2');
  return existsSync(ld) ? { ld, libraryPath: lib } : null;
}

/** npm-installs `spec` into `dir` through a staging folder, so a killed install leaves nothing half-done. */
function npmInstallInto(dir, spec) {
  mkdirSync(cacheRoot(), { recursive: true });
  const staging = mkdtempSync(`${dir}.staging-`);
  try {
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'chroma-inspector-reference', private: true }));
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', spec], {
      cwd: staging,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm install ${spec} failed: ${String(err.stderr ?? err.message).trim().split('\n').slice(-3).join(' ')}`, { cause: err });
  }
}

/**
 * The Debian mirror this system's apt already uses (deb822 `.sources` or one-line `sources.list`),
 * so the fallback reaches only what the machine is configured to reach.
 */
export function debianMirror(files = aptSourceFiles()) {
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^URIs:\s*(\S+)/gm)) if (/\/debian\/?$/.test(m[1])) return m[1].replace(/\/$/, '');
    for (const m of text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm)) if (/\/debian\/?$/.test(m[1])) return m[1].replace(/\/$/, '');
  }
  return null;
}

function aptSourceFiles() {
  const files = [];
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  const d = '/etc/apt/sources.list.d';
  if (existsSync(d)) for (const f of readdirSync(d)) if (/\.(list|sources)$/.test(f)) files.push(join(d, f));
  return files;
}

/** Debian 13's libc6, libgcc-s1 and libstdc++6, unpacked into the cache (never installed system-wide). */
function installOwnGlibc() {
  const mirror = debianMirror();
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  if (!mirror || !existsSync(keyring) || !existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/dpkg')) {
    throw new Error(
      `this system's glibc is ${glibcVersion()}, Chroma needs ${MIN_GLIBC}+; fetching a newer libc for it needs a Debian apt setup (a Debian mirror in /etc/apt, ${keyring}, apt-get and dpkg), which this machine lacks`,
    );
  }
  const work = mkdtempSync(join(cacheRoot(), 'glibc-staging-'));
  try {
    mkdirSync(join(work, 'lists', 'partial'), { recursive: true });
    mkdirSync(join(work, 'debs'));
    writeFileSync(join(work, 'sources.list'), `deb [signed-by=${keyring}] ${mirror} trixie main\n`);
    const opts = [
      `-oDir::Etc::SourceList=${join(work, 'sources.list')}`,
      '-oDir::Etc::SourceParts=/dev/null',
      `-oDir::State::Lists=${join(work, 'lists')}`,
      `-oDir::Cache=${join(work, 'cache')}`,
      '-oAPT::Sandbox::User=root',
    ];
    execFileSync('apt-get', [...opts, 'update'], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    execFileSync('apt-get', [...opts, 'download', 'libc6', 'libgcc-s1', 'libstdc++6'], { cwd: join(work, 'debs'), stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    const root = join(work, 'root');
    for (const deb of readdirSync(join(work, 'debs'))) execFileSync('dpkg', ['-x', join(work, 'debs', deb), root]);
    rmSync(glibcDir(), { recursive: true, force: true });
    renameSync(root, glibcDir());
  } catch (err) {
    throw new Error(`fetching Debian 13's libc failed: ${String(err.stderr ?? err.message).trim().split('\n').slice(-2).join(' ')}`, { cause: err });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function recordOutcome(what, fn) {
  try {
    const value = fn();
    rmSync(problemFile(what), { force: true });
    return value;
  } catch (err) {
    mkdirSync(cacheRoot(), { recursive: true });
    writeFileSync(problemFile(what), String(err.message ?? err));
    throw err;
  }
}

/** Installs Chroma `version` (and a newer libc where needed) unless already there; throws with the reason. */
export function installChroma(version = DEFAULT_CHROMA_VERSION) {
  return recordOutcome(`chroma-${version}`, () => {
    const pkg = bindingPackage();
    if (!pkg) throw new Error(`Chroma publishes no build of its core for ${process.platform}-${process.arch}`);
    if (!existsSync(join(chromaDir(version), 'node_modules', pkg, 'package.json'))) npmInstallInto(chromaDir(version), `${pkg}@${version}`);
    if (needsOwnGlibc() && !ownGlibcLoader()) installOwnGlibc();
    return installedChroma(version);
  });
}

/** Installs the official chromadb client (the one our fixtures were recorded with) unless already there. */
export function installClient() {
  return recordOutcome('client', () => {
    if (!installedClient()) npmInstallInto(clientDir(), `chromadb@${CLIENT_VERSION}`);
    return installedClient();
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const versions = args.filter((a) => !a.startsWith('--'));
  let failed = false;
  for (const v of versions.length || !args.includes('--client') ? (versions.length ? versions : [DEFAULT_CHROMA_VERSION]) : []) {
    try {
      const got = installChroma(v);
      console.log(`chroma ${v}: ${got.module}${got.loader ? ` (through ${got.loader.ld})` : ''}`);
    } catch (err) {
      failed = true;
      console.error(`chroma ${v}: NOT installed: ${err.message}`);
    }
  }
  if (args.includes('--client') || versions.length === 0) {
    try {
      console.log(`chromadb client ${CLIENT_VERSION}: ${installClient()}`);
    } catch (err) {
      failed = true;
      console.error(`chromadb client: NOT installed: ${err.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
}
