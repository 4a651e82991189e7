import { createRequire } from 'node:module';
import { parallelInsert } from '../hnsw/parallel-insert.js';
import type { IdSlots } from '../hnsw/pickle-id-map.js';

/**
 * The addon's plain functions (native/hnsw-parallel.cc, docs/native.md), beside the index class
 * the checkpoint builds use: loaded once per thread from the build parallelInsert() chose. Each is
 * null where the addon is not built or does not load, or was built before the function existed;
 * its callers then do without it, as they would without the addon.
 */
export interface AddonFunctions {
  adviseHugePages: ((view: ArrayBufferView) => number) | null;
  hugePagedBuffer: ((bytes: number) => ArrayBuffer | undefined) | null;
  hugePagedBytes: (() => number) | null;
  readRows: ((fd: number, ids: Uint32Array, count: number, rowBytes: number, out: Uint8Array) => number) | null;
  /** hnsw/index-metadata-fast.ts's takePlainEntries loop (native/pickle-pairs.cc). */
  plainIdEntries:
    | ((buf: Uint8Array, end: number, idStart: Int32Array, idEnd: Int32Array, hash: Int32Array, label: Float64Array, limit: number, state: Int32Array) => number)
    | null;
  /** hnsw/index-metadata-fast.ts's checkPlainPairs loop (native/pickle-pairs.cc). */
  plainLabelPairs: ((buf: Uint8Array, end: number, known: Uint32Array, named: Uint32Array, maxLabel: number, limit: number, state: Int32Array) => number) | null;
  /** hnsw/pickle-id-map.ts buildSteps' insert loop (native/pickle-pairs.cc). */
  idSlots: IdSlots | null;
  /** util/page-residency.ts (native/page-residency.cc). */
  residentShare: ((fd: number) => number) | null;
  /** hnsw/level0-prescan.ts's pass on a thread of the addon (native/level0-prescan.cc): a handle, or null where it refuses. */
  prescanLevel0: ((job: object) => object | null) | null;
  /** Stops that pass and waits for its thread (native/level0-prescan.cc). */
  prescanStop: ((handle: object) => void) | null;
}

const NONE: AddonFunctions = { adviseHugePages: null, hugePagedBuffer: null, hugePagedBytes: null, readRows: null, plainIdEntries: null, plainLabelPairs: null, idSlots: null, residentShare: null, prescanLevel0: null, prescanStop: null };

let loaded: AddonFunctions | undefined;

export function addonFunctions(): AddonFunctions {
  return (loaded ??= load());
}

function load(): AddonFunctions {
  const addon = parallelInsert();
  if (!addon.available) return NONE;
  try {
    const mod = createRequire(import.meta.url)(addon.path) as Record<string, unknown>;
    const fn = <K extends keyof AddonFunctions>(name: K): AddonFunctions[K] => (typeof mod[name] === 'function' ? (mod[name] as AddonFunctions[K]) : null);
    return {
      adviseHugePages: fn('adviseHugePages'),
      hugePagedBuffer: fn('hugePagedBuffer'),
      hugePagedBytes: fn('hugePagedBytes'),
      readRows: fn('readRows'),
      plainIdEntries: fn('plainIdEntries'),
      plainLabelPairs: fn('plainLabelPairs'),
      idSlots: fn('idSlots'),
      residentShare: fn('residentShare'),
      prescanLevel0: fn('prescanLevel0'),
      prescanStop: fn('prescanStop'),
    };
  } catch {
    return NONE;
  }
}
