import { addonFunctions } from './addon-functions.js';

/**
 * Transparent huge pages for the big buffers a load fills (vectors, level-0 links, the pickle's
 * bytes). Fresh memory costs its first writer a page fault per 4 KiB page: ~12 µs each on the
 * virtual machines measured, so 512 MB of vectors (a million × 128) spend ~1.5 s in the kernel
 * before a byte is copied. Backed by 2 MiB pages the same memory took 0.75–0.95 s there, and
 * ~0.1 s where the kernel reuses memory it had just freed. Node has no way to ask for them; our
 * addon's `adviseHugePages` calls madvise(MADV_HUGEPAGE) on the 2 MiB-aligned part of a view
 * (docs/native.md). It is advice only: contents, size and semantics do not change, and the kernel
 * falls back to small pages when it has no huge one or its setting is "never".
 *
 * Nothing happens without the addon (not built, CHROMA_INSPECTOR_NATIVE=off), off Linux, with
 * CHROMA_INSPECTOR_HUGE_PAGES=off, or for views under the minimum below.
 */

export const HUGE_PAGES_ENV = 'CHROMA_INSPECTOR_HUGE_PAGES';

/**
 * An ArrayBuffer's memory comes from malloc. glibc serves blocks up to its mmap threshold (which
 * grows with the blocks freed, to 32 MiB at most on 64-bit) from its heap, where advice would
 * outlive the buffer and reach whatever is allocated there next; larger blocks always get a
 * mapping of their own, which the free unmaps with its advice. So only those are advised.
 */
export const HUGE_PAGE_MIN_BYTES = 32 * 1024 * 1024 + 1;

/** A WebAssembly memory is a mapping V8 makes for it alone: any size with an aligned 2 MiB page in it. */
export const OWN_MAPPING_MIN_BYTES = 4 * 1024 * 1024;

/**
 * From this size a table that is written all over (freshTyped) gets a mapping of its own. Below
 * it, one huge page would be most of the table.
 */
export const FRESH_MAPPING_MIN_BYTES = 2 * 1024 * 1024;

/**
 * freshTyped gives ordinary arrays while the mappings not yet unmapped would pass this. Node
 * unmaps a collected table only on a later turn of its event loop, so a caller that never yields
 * (a synchronous loop opening large collections one after another) would otherwise keep every
 * table it dropped resident until it does.
 */
export const FRESH_MAPPED_BUDGET_BYTES = 256 * 1024 * 1024;

type Advise = (view: ArrayBufferView) => number;
type FreshBuffer = (bytes: number) => ArrayBuffer | undefined;

interface HugePageAddon {
  advise: Advise | null;
  fresh: FreshBuffer | null;
  /** Bytes of fresh mappings not unmapped yet (the addon's count); null: none are made. */
  mapped: (() => number) | null;
}

let addonFns: HugePageAddon | undefined;
let advisedBytes = 0;
let freshBytes = 0;

function loadAddon(): HugePageAddon {
  if (process.platform !== 'linux' || process.env[HUGE_PAGES_ENV] === 'off') return { advise: null, fresh: null, mapped: null };
  const { adviseHugePages, hugePagedBuffer, hugePagedBytes } = addonFunctions();
  // Without its count (a build from before it), no fresh mappings: they could not be kept in budget.
  return { advise: adviseHugePages, fresh: hugePagedBytes ? hugePagedBuffer : null, mapped: hugePagedBytes };
}

/**
 * Advises huge pages for `view`'s memory, best before its first write (pages already faulted in
 * are only merged later, by the kernel's background thread). `ownMapping`: the memory is a
 * mapping of its own (a WebAssembly memory), not malloc's. Gives the bytes advised, 0 when
 * nothing was. Never throws.
 */
export function adviseHugePages(view: ArrayBufferView, opts: { ownMapping?: boolean } = {}): number {
  if (view.byteLength < (opts.ownMapping ? OWN_MAPPING_MIN_BYTES : HUGE_PAGE_MIN_BYTES)) return 0;
  const advise = (addonFns ??= loadAddon()).advise;
  if (!advise) return 0;
  try {
    const bytes = advise(view);
    advisedBytes += bytes;
    return bytes;
  } catch {
    return 0;
  }
}

/** `view`, advised (adviseHugePages): for use where the view is made. */
export function hugePaged<T extends ArrayBufferView>(view: T): T {
  adviseHugePages(view);
  return view;
}

/** A SharedArrayBuffer of `bytes`, advised (adviseHugePages). */
export function hugePagedShared(bytes: number): SharedArrayBuffer {
  return hugePaged(new Uint8Array(new SharedArrayBuffer(bytes))).buffer as SharedArrayBuffer;
}

/** A transparent huge page on x86-64 and arm64 with 4 KiB base pages. */
export const HUGE_PAGE_BYTES = 2 * 1024 * 1024;

interface TypedArrayOf<T> {
  new (length: number): T;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/**
 * A zero-filled `new Ctor(length)` for a table about to be written all over, in no order (a hash
 * table, a table by label): from FRESH_MAPPING_MIN_BYTES in a mapping of its own that is advised
 * for huge pages before its first write (the addon's hugePagedBuffer), so that filling it takes
 * one page fault per 2 MiB instead of one per 4 KiB (~10 µs each on the bench machine: ~3,000 of
 * them for the two tables a million-id pickle fills). Otherwise, or when that cannot be had, an
 * ordinary one. Both hold the same and are used alike, with two differences for a mapped one: it
 * is unmapped only on a turn of the event loop after V8 collects it (hence
 * FRESH_MAPPED_BUDGET_BYTES), and it cannot be transferred to another thread (postMessage with a
 * transfer list copies it on Node 20 and throws a DataCloneError from Node 21; none of these
 * tables is sent). A table written only in part would hold whole huge pages for the part it
 * touched: not for those.
 */
export function freshTyped<T>(Ctor: TypedArrayOf<T>, length: number): T {
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  if (bytes >= FRESH_MAPPING_MIN_BYTES) {
    const { fresh, mapped } = (addonFns ??= loadAddon());
    if (fresh && mapped) {
      try {
        // Whole huge pages: the addon leaves a partly used last 2 MiB on small pages, and a table
        // written all over would fault it in 4 KiB at a time (~400 faults of a 4 MB one at 100k
        // ids). The view is the table's length; the bytes past it are never touched.
        const whole = Math.ceil(bytes / HUGE_PAGE_BYTES) * HUGE_PAGE_BYTES;
        if (mapped() + whole > FRESH_MAPPED_BUDGET_BYTES) return new Ctor(length);
        const buffer = fresh(whole);
        if (buffer instanceof ArrayBuffer && buffer.byteLength === whole) {
          freshBytes += whole;
          return new Ctor(buffer, 0, length);
        }
      } catch {
        // an ordinary one below
      }
    }
  }
  return new Ctor(length);
}

/** Bytes advised in this thread so far (tests, diagnostics). */
export function hugePagesAdvised(): number {
  return advisedBytes;
}

/** Bytes of tables freshTyped gave mappings of their own in this thread so far (tests, diagnostics). */
export function freshMappedBytes(): number {
  return freshBytes;
}

/**
 * Forgets the loaded addon so that the next call reads the environment again (tests); `standIn`
 * takes the addon's place (its functions as a runtime might answer them: e.g. Electron's, where
 * hugePagedBuffer gives nothing).
 */
export function resetHugePagesForTests(standIn?: { adviseHugePages?: Advise; hugePagedBuffer?: FreshBuffer; hugePagedBytes?: () => number }): void {
  // As loadAddon: no fresh mappings without their count.
  addonFns = standIn ? { advise: standIn.adviseHugePages ?? null, fresh: standIn.hugePagedBytes ? (standIn.hugePagedBuffer ?? null) : null, mapped: standIn.hugePagedBytes ?? null } : undefined;
  advisedBytes = 0;
  freshBytes = 0;
}
