import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `off`: never ask V8 for a collection (to measure without it). Read at each call. */
export const COLLECT_GARBAGE_ENV = 'CHROMA_INSPECTOR_COLLECT_GARBAGE';

export const collectTuning = {
  /**
   * From this many bytes let go, a collection is asked for (collectGarbageAfter). A 100,000-record
   * pickle is ~3 MB and its old entry arrays ~2 MB: collected at once, the bench's 100k peak was
   * 151–154 MB against 153–164 MB (fresh processes taking turns), for a collection of a few ms on
   * a heap that small. Smaller collections are left to V8.
   */
  fromBytes: 2 * 1024 * 1024,
  /**
   * Above this much live JavaScript heap no collection is asked for: a full one marks every live
   * object (~1 ms a MB; 45–67 ms were measured near this limit on a busy machine), and the thread
   * must not be held for long (a materialised map of millions of ids is hundreds of MB). V8's own
   * incremental collections then take the buffers, later.
   */
  upToHeapBytes: 96 * 1024 * 1024,
};

let gc: (() => void) | null | undefined;

/**
 * Asks V8 for a full collection once a large buffer the engine dropped (`bytes`) should go: a
 * decoded pickle's bytes once its ids are compacted out (147 MB at 5M × 128), which V8 otherwise
 * kept through the whole vector load that follows, its heuristics seeing no reason to collect
 * (the load's memory is WebAssembly memory, not the JavaScript heap): the bench's 5M peak held
 * them, ~140 MB of its 3.1 GB (and ~4 MB of 160 at 100k). The collection costs a few ms when the JavaScript heap is small
 * (it was 5–13 ms at 5M, a heap of ~30 MB; the buffers are freed, not walked). Nothing happens
 * below collectTuning.fromBytes, above its upToHeapBytes of live heap, or where V8
 * cannot give the function (it is asked for once: `--expose-gc` set at run time, then `gc` from a
 * fresh context, which is where V8 installs it).
 */
export function collectGarbageAfter(bytes: number): boolean {
  if (bytes < collectTuning.fromBytes || process.env[COLLECT_GARBAGE_ENV] === 'off') return false;
  const v8 = require('node:v8') as typeof import('node:v8');
  if (v8.getHeapStatistics().used_heap_size > collectTuning.upToHeapBytes) return false;
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      const found: unknown = (require('node:vm') as typeof import('node:vm')).runInNewContext('typeof gc === "function" ? gc : null');
      gc = typeof found === 'function' ? (found as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}
