import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Chroma Inspector's own addon (native/, docs/native.md): hnswlib's insert on several threads at
 * once, which a checkpoint build uses instead of hnswlib-node's one-at-a-time addPoint. It is
 * compiled at install, as hnswlib-node is; where it was not (no compiler, CHROMA_INSPECTOR_NATIVE
 * =off at install) or does not load, builds use hnswlib-node on one thread, with the same result
 * format. CHROMA_INSPECTOR_NATIVE=baseline keeps to the baseline build on an AVX2 machine.
 */

/** What the JavaScript side expects of the addon (its `apiVersion`). */
export const PARALLEL_ADDON_API = 1;
export const PARALLEL_ADDON_FILE = 'chroma_inspector_hnsw.node';

/** The second build, for CPUs with AVX2 and FMA (native/binding.gyp). */
export const PARALLEL_ADDON_AVX2_FILE = 'chroma_inspector_hnsw_avx2.node';

export interface ParallelInsert {
  /** The build a build thread requires (absolute path): the AVX2 one where this CPU runs it, else the baseline. */
  path: string;
  instructionSet: 'avx2' | 'baseline';
  /** The baseline build's path (SSE, as hnswlib-node is built: with one thread it writes what hnswlib-node writes). */
  baseline: string;
  /** Insert threads a build runs. */
  threads: number;
}

interface AddonModule {
  apiVersion?: unknown;
  ParallelIndex?: unknown;
  avx2Capable?: () => boolean;
  instructionSet?: unknown;
}

export type ParallelInsertStatus = ({ available: true } & ParallelInsert) | { available: false; reason: string };

let status: ParallelInsertStatus | null = null;

/**
 * Where the built addon is: native/build/Release/ under the package root, which is one to three
 * folders above this code (src-main/engine/hnsw/ in sources, dist/ or dist/electron/ when built;
 * inside the Electron asar the addon is unpacked, and Electron's require finds it there).
 */
export function findParallelAddon(from = path.dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = from;
  for (let up = 0; up < 4; up++) {
    const candidate = path.join(dir, 'native', 'build', 'Release', PARALLEL_ADDON_FILE);
    // In a packaged app the file itself is in app.asar.unpacked (electron-builder.yml asarUnpack):
    // named there, a build thread loads it without depending on Electron's asar redirection.
    const unpacked = candidate.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`);
    if (unpacked !== candidate && fs.existsSync(unpacked)) return unpacked;
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

/** How many insert threads: CHROMA_INSPECTOR_INSERT_THREADS, else one per core (at most 8). */
export function insertThreads(env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.CHROMA_INSPECTOR_INSERT_THREADS);
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, 64);
  return Math.max(1, Math.min(os.availableParallelism(), 8));
}

/**
 * Whether builds insert in parallel here, and if not, why. Decided once per thread: the addon is
 * loaded in this thread first, so that a build thread is only told of an addon that loads.
 */
export function parallelInsert(): ParallelInsertStatus {
  return (status ??= probe(process.env));
}

export function probe(env: NodeJS.ProcessEnv, addon = findParallelAddon()): ParallelInsertStatus {
  if (env.CHROMA_INSPECTOR_NATIVE === 'off') return { available: false, reason: 'CHROMA_INSPECTOR_NATIVE=off' };
  if (!addon) return { available: false, reason: `the addon was not built (native/build/Release/${PARALLEL_ADDON_FILE} is missing; see docs/native.md)` };
  const load = (file: string): AddonModule | string => {
    try {
      const mod = createRequire(import.meta.url)(file) as AddonModule;
      if (mod.apiVersion === PARALLEL_ADDON_API && typeof mod.ParallelIndex === 'function') return mod;
      return `${file} is a different build (API ${String(mod.apiVersion)}, expected ${PARALLEL_ADDON_API}); rebuild it with npm rebuild`;
    } catch (err) {
      return `${file} does not load: ${err instanceof Error ? err.message : String(err)}`;
    }
  };
  const baseline = load(addon);
  if (typeof baseline === 'string') return { available: false, reason: baseline };
  const threads = insertThreads(env);
  const fast = path.join(path.dirname(addon), PARALLEL_ADDON_AVX2_FILE);
  // The AVX2 build is only loaded where the baseline says this CPU and OS run its instructions.
  if (env.CHROMA_INSPECTOR_NATIVE !== 'baseline' && baseline.avx2Capable?.() === true && fs.existsSync(fast)) {
    const mod = load(fast);
    if (typeof mod !== 'string' && mod.instructionSet === 'avx2') return { available: true, path: fast, instructionSet: 'avx2', baseline: addon, threads };
  }
  return { available: true, path: addon, instructionSet: 'baseline', baseline: addon, threads };
}
