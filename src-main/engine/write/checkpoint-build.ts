import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { MessageChannel as Channel } from 'node:worker_threads';
import { workerThreadsModule } from '../util/node-on-demand.js';
import type { Space } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { cancelled, throwIfAborted } from '../backup/task.js';
import { HNSW_HEADER_BYTES, parseHnswHeader } from '../hnsw/header.js';
import { MIN_CAPACITY, checkLabel } from '../hnsw/hnswlib-index.js';
import { parallelInsert } from '../hnsw/parallel-insert.js';
import { planJoinSteps } from '../hnsw/standard-index.js';
import { normalizeForStorage } from '../hnsw/vector-math.js';
import { NATIVE_GUARD_BYTES, quiesceNative, threadNativeGuard } from '../util/native-guard.js';
import { runSteps, runStepsSliced, type Steps } from '../util/steps.js';
import {
  CHECKPOINT_BUILD_PROGRAM,
  buildCheckpointIndex,
  type BuildLibraries,
  type CheckpointBuildJob,
  type CheckpointBuildMessage,
} from './checkpoint-build-program.js';
import type { BuildExtensions } from './build-extensions.js';
import { writePickleFile } from './index-files.js';
import { encodePersistentDataPickle, type PersistentDataFields } from './pickle-writer.js';
import { createStagingDir, removeFolder } from './segment-swap.js';
import { nextTurn } from '../util/next-turn.js';

/** A new checkpoint's graph: the segment's current one with changes, or a fresh one. */
export interface GraphPlan {
  space: Space;
  dim: number;
  /** Start from the segment's current checkpoint (it must be usable), or from an empty graph with these parameters. */
  base: 'checkpoint' | { M: number; efConstruction: number };
  /** Labels of the current checkpoint to mark deleted. */
  deleteLabels: readonly number[];
  /** Labels to insert or replace, in order, each with its vector: as given (`upsert`) or as the index stores it (`stored`). */
  inserts: readonly { label: number; vector: Float32Array }[];
  vectorForm: 'original' | 'stored';
  /** How many of `inserts` are not in the current checkpoint. */
  newCount: number;
}

export interface BuildOptions {
  signal?: AbortSignal;
  /** Insert with our addon on these threads, or with hnswlib-node (null); by default as parallelInsert() says. */
  parallel?: CheckpointBuildJob['parallel'];
  /** Vectors inserted so far, of `total`. */
  progress?: (done: number, total: number) => void;
  /** Lets the caller hand the build more inserts while it runs (a build in a worker thread only). */
  extensions?: BuildExtensions;
}

/** What a finished build reports: the saved index's header, and how many extensions it took. */
export interface BuildResult {
  header: Uint8Array;
  extended: number;
}

/** A build's inserts as the index stores them: cosine vectors given as they are are normalised (docs/format.md §6.6). */
export function packInserts(
  plan: Pick<GraphPlan, 'dim' | 'space' | 'vectorForm'>,
  inserts: readonly { label: number; vector: Float32Array }[],
): { labels: Float64Array; vectors: Float32Array } {
  return runSteps(packInsertsSteps(plan, inserts));
}

/** Inserts packed between two pauses of packInsertsSteps (~2–3 ms of normalising at 128 dimensions). */
const PACKED_PER_STEP = 1024;

/** packInserts as steps (util/steps.ts): thousands of vectors, cosine ones normalised, took ~25 ms in one piece. */
function* packInsertsSteps(
  plan: Pick<GraphPlan, 'dim' | 'space' | 'vectorForm'>,
  inserts: readonly { label: number; vector: Float32Array }[],
): Steps<{ labels: Float64Array; vectors: Float32Array }> {
  const vectors = new Float32Array(inserts.length * plan.dim);
  const labels = new Float64Array(inserts.length);
  const normalise = plan.space === 'cosine' && plan.vectorForm === 'original';
  for (let i = 0; i < inserts.length; i++) {
    if (i > 0 && i % PACKED_PER_STEP === 0) yield;
    const { label, vector } = inserts[i]!;
    checkLabel(label);
    if (vector.length !== plan.dim) throw new InspectorError('INTERNAL', `label ${label}: a ${vector.length}-dimensional vector for a ${plan.dim}-dimensional index`);
    labels[i] = label;
    vectors.set(normalise ? normalizeForStorage(vector) : vector, i * plan.dim);
  }
  return { labels, vectors };
}

/** The native-call flags of builds under way in worker threads (CheckpointBuildJob.guard). */
const running = new Set<SharedArrayBuffer>();
let exitGuarded = false;

/**
 * A process that exits while a build thread is inside hnswlib-node would abort (see
 * engine/util/native-guard.ts): on exit, every build thread is told to make no further call and
 * the exit waits, up to EXIT_WAIT_MS, until none is inside one (one insert, or the save). The
 * rows stay in the WAL; the staging folder is removed by the next writer.
 */
const EXIT_WAIT_MS = 30_000;
function guardExit(): void {
  if (exitGuarded) return;
  exitGuarded = true;
  process.on('exit', () => {
    const end = Date.now() + EXIT_WAIT_MS;
    for (const guard of running) quiesceNative(guard, Math.max(0, end - Date.now()));
  });
}

/**
 * Runs the job: in a worker thread when called from a process's main thread (the engine of an
 * embedded client or the CLI), so hnswlib's inserts use another core; in the calling thread, in
 * slices that yield to its other work, when that is itself a worker (the serve pool's engines: a
 * thread the pool may terminate would take a nested build thread with it, inside hnswlib-node).
 * A cancel asks the build to stop before its next call into hnswlib-node and rejects once it has
 * (so the caller can remove what it was writing into). Resolves with the saved index's header.
 */
export function runCheckpointBuild(
  job: Omit<CheckpointBuildJob, 'stop' | 'guard' | 'extensions'>,
  segmentRelName: string,
  opts: BuildOptions = {},
  /** The extensions' channel, its port1 attached already (offers made before the worker starts wait in it). */
  early: Channel | null = null,
): Promise<BuildResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(cancelled());
    const { isMainThread, MessageChannel, Worker } = workerThreadsModule();
    const stop = new SharedArrayBuffer(4);
    const flags = new Int32Array(stop);
    // In this thread, its own flags (which the serve pool watches); in a build thread, flags of its own.
    const guard = isMainThread ? new SharedArrayBuffer(NATIVE_GUARD_BYTES) : threadNativeGuard();
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      running.delete(guard);
      opts.extensions?.attach(null);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => Atomics.store(flags, 0, 1);
    opts.signal?.addEventListener('abort', onAbort);
    const onMessage = (m: CheckpointBuildMessage) => {
      if ('progress' in m) {
        if (!opts.signal?.aborted) opts.progress?.(m.progress, m.total);
      } else if ('done' in m) finish(() => (opts.signal?.aborted ? reject(cancelled()) : resolve({ header: m.header, extended: m.extended })));
      else if ('stopped' in m) finish(() => reject(cancelled()));
      else if (m.stage === 'load') {
        // hnswlib re-checks the layout ("Index seems to be corrupted or unsupported").
        finish(() => reject(new InspectorError('CORRUPT_HNSW', `${segmentRelName}: hnswlib could not load the checkpoint: ${m.failed}`, { file: segmentRelName })));
      } else finish(() => reject(new InspectorError('INTERNAL', `${segmentRelName}: building the HNSW index failed: ${m.failed}`)));
    };
    if (!isMainThread) {
      const load = createRequire(import.meta.url);
      const libs = { hnswlib: load(job.hnswlibPath), parallel: job.parallel ? load(job.parallel.path) : null } as BuildLibraries;
      const pause = () => nextTurn();
      void buildCheckpointIndex({ ...job, stop, guard }, libs, fs, path, onMessage, SLICE_MS, pause);
      return;
    }
    guardExit();
    running.add(guard);
    const channel = early ?? (opts.extensions ? new MessageChannel() : null);
    // The vectors move to the thread rather than being copied (nothing here reads them again).
    const worker = new Worker(CHECKPOINT_BUILD_PROGRAM, {
      eval: true,
      workerData: { ...job, stop, guard, ...(channel ? { extensions: channel.port2 } : {}) },
      transferList: [job.vectors.buffer as ArrayBuffer, job.labels.buffer as ArrayBuffer, ...(channel ? [channel.port2] : [])],
    });
    if (!early) opts.extensions?.attach(channel?.port1 ?? null);
    worker.on('message', onMessage);
    worker.on('error', (e: Error) => finish(() => reject(new InspectorError('INTERNAL', `${segmentRelName}: the HNSW build thread failed: ${e.message}`))));
    worker.on('exit', (code) => finish(() => reject(new InspectorError('INTERNAL', `${segmentRelName}: the HNSW build thread stopped (exit ${code}) before its index was saved`))));
  });
}

function parallelOrNull(): CheckpointBuildJob['parallel'] {
  const p = parallelInsert();
  return p.available ? { path: p.path, threads: p.threads } : null;
}

/** In the calling thread, how long a slice of inserts runs before the thread's other work gets a turn. */
const SLICE_MS = 50;

/** length.bin's norms (cosine): by label where given, else the old length.bin's value at the element's internal id (below `oldCount`). */
export interface NormSource {
  byLabel: ReadonlyMap<number, number>;
  oldLengthFile: string | null;
  oldCount: number;
}

/**
 * Builds the graph `plan` describes in a worker thread and writes it as a checkpoint folder
 * (docs/format.md §6.5 split, §6.7 pickle): the four files and the Python-form pickle, each
 * fsynced, in a staging folder beside the segment's, whose path it returns (publishSegmentFolder
 * then swaps it in, docs/format.md §8.3). `norms` gives length.bin (null: zeros, for spaces
 * without norms). A usable checkpoint is joined into hnswlib's single file in a private temp dir
 * under os.tmpdir() (never inside the Chroma folder), for hnswlib to load. The files' parts are
 * read before the first pause (the walk of link_lists.bin then checks them in steps), so they are
 * the segment's files as of the call.
 * On failure nothing is left behind.
 */
export async function stageBuiltCheckpoint(
  dir: string,
  segmentId: string,
  plan: GraphPlan,
  norms: NormSource | null,
  /** The pickle's fields; with extensions, for the number of them the build took. */
  pickle: PersistentDataFields | ((extended: number) => PersistentDataFields),
  opts: BuildOptions = {},
): Promise<string> {
  for (const l of plan.deleteLabels) checkLabel(l);
  const join = plan.base === 'checkpoint' ? await runStepsSliced(planJoinSteps(dir, segmentId), { signal: opts.signal }) : null;
  const tmpDir = join ? privateTempDir() : null;
  let staging: string | null = null;
  let early: Channel | null = null;
  try {
    staging = createStagingDir(dir, segmentId);
    // After the files are read (above: as of the call), the rest gives the thread back: the
    // inserts packed in slices, and the worker started on a turn of its own. Rows written
    // meanwhile may join the build already: their offers wait in the channel the worker gets.
    const threads = workerThreadsModule();
    if (threads.isMainThread && opts.extensions) {
      early = new threads.MessageChannel();
      opts.extensions.attach(early.port1);
    }
    // A turn first: the files' read above is a slice of its own (~40 ms at a million elements).
    await nextTurn();
    const { labels, vectors } = await runStepsSliced(packInsertsSteps(plan, plan.inserts), { signal: opts.signal });
    await nextTurn();
    // From a checkpoint, M and ef_construction come from its header; these are then unused.
    const fresh = plan.base === 'checkpoint' ? { M: 16, efConstruction: 100 } : plan.base;
    const job: Omit<CheckpointBuildJob, 'stop' | 'guard' | 'extensions'> = {
      hnswlibPath: createRequire(import.meta.url).resolve('hnswlib-node'),
      parallel: opts.parallel === undefined ? parallelOrNull() : opts.parallel,
      space: plan.space === 'cosine' ? 'ip' : plan.space,
      dim: plan.dim,
      source:
        join && tmpDir
          ? { header: join.headerBytes, level0File: join.level0Path, level0Bytes: join.level0Bytes, linkLists: join.linkLists, file: path.join(tmpDir, 'index.bin') }
          : null,
      fresh: { ...fresh, randomSeed: 0, capacity: Math.max(MIN_CAPACITY, plan.newCount) },
      deleteLabels: Float64Array.from(plan.deleteLabels),
      labels,
      vectors,
      newCount: plan.newCount,
      dest: path.join(staging, '.standard-index.bin'),
      stagingDir: staging,
      norms: norms && {
        labels: Float64Array.from(norms.byLabel.keys()),
        values: Float32Array.from(norms.byLabel.values()),
        oldLengthFile: norms.oldLengthFile,
        oldCount: norms.oldCount,
      },
    };
    const { header, extended } = await runCheckpointBuild(job, segmentId, opts, early);
    // What hnswlib saved is checked as any checkpoint's header is.
    const headerBin = Buffer.alloc(HNSW_HEADER_BYTES);
    headerBin.writeInt32LE(1, 0);
    headerBin.set(header, 4);
    parseHnswHeader(headerBin, `${segmentId}/header.bin (written)`);
    // In slices, and written off this thread: at a million ids the pickle is ~50 MB.
    const fields = typeof pickle === 'function' ? pickle(extended) : pickle;
    await writePickleFile(staging, await encodePersistentDataPickle(fields, opts.signal));
    // A cancel during the write: the staging folder goes, as for a cancel at any earlier point.
    throwIfAborted(opts.signal);
    return staging;
  } catch (err) {
    // Stopped before the build took the channel: offers made meanwhile are not in any build.
    if (early) opts.extensions?.attach(null);
    removeFolder(staging);
    throw err;
  } finally {
    // The joined index (~650 MB at a million vectors): unlinking it is the kernel's slow part, on libuv's threads.
    if (tmpDir) await fs.promises.rm(tmpDir, { recursive: true, force: true });
  }
}

/** The temp folders a build joins a checkpoint in: `<prefix><pid>-<random>` under os.tmpdir(). */
export const BUILD_TEMP_PREFIX = 'chroma-inspector-hnsw-';
let swept = false;

function privateTempDir(): string {
  if (!swept) {
    swept = true;
    sweepStaleBuildTemps();
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), `${BUILD_TEMP_PREFIX}${process.pid}-`));
}

/**
 * Removes the temp folders of builds whose process is gone: a process killed while it joined a
 * checkpoint leaves a copy of the index there (hundreds of megabytes at a million vectors). Only
 * folders named with a pid that is not running are touched; folders of the naming before pids (no
 * pid in the name) once they are a day old.
 */
export function sweepStaleBuildTemps(dir = os.tmpdir()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith(BUILD_TEMP_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^(\d+)-/.exec(name.slice(BUILD_TEMP_PREFIX.length))?.[1];
    const full = path.join(dir, name);
    try {
      const stale = pid ? !processRuns(Number(pid)) : Date.now() - fs.statSync(full).mtimeMs > 24 * 3600_000;
      if (stale) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // another sweeper, or not ours to remove: left alone
    }
  }
}

function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
