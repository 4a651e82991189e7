import type { Steps } from '../util/steps.js';
import type { GraphLinks } from './graph-links.js';
import type { WalkScratch } from './walk-scratch.js';

/**
 * Which admitted elements a level-0 walk from `ep` reaches when it cannot stop early. A filter that
 * admits fewer than ef elements never gives the fork ef results, so its walk never stops and never
 * prunes: it pushes every unvisited neighbour and expands every node it pushed, which is every node
 * reachable from `ep` through the level-0 lists, whatever the distances. Which admitted elements
 * it collects therefore depends only on reachability, found here without a distance or a heap.
 * The best-first walk did that work through two heaps of up to every element (~8 s at 5M;
 * graph-search.ts has what the caller does with the answer).
 */

/** Where the passes read level-0 rows: the graph's own in memory, or data_level0.bin (level0-file.ts). */
export interface RowSource {
  readonly count: number;
  /** Whether a single row costs about what it does in a sequential run (in memory), or a read (the file). */
  readonly singleReadsCheap: boolean;
  /**
   * Runs of consecutive rows, by rising or falling id, in steps of about `rowsPerStep` rows:
   * `visit(words, wordsPerRow, first, n)` for rows first … first + n − 1, row j's count in the
   * low 16 bits of words[j · wordsPerRow] and its neighbours after it.
   */
  chunksSteps(falling: boolean, rowsPerStep: number, visit: ChunkVisit): Steps<void>;
  /** A step of single-row reads (rowWords): openStep, the reads, checkStep (the file is still the one loaded), closeStep. */
  openStep(): void;
  checkStep(): void;
  closeStep(): void;
  /** Element `id`'s row (valid until the next call), its count word at rowStart(id). */
  rowWords(id: number): Uint32Array;
  rowStart(id: number): number;
}

export type ChunkVisit = (words: Uint32Array, wordsPerRow: number, first: number, n: number) => void;

/** The graph's own rows (maxM0 + 1 words each). */
export function rowsInMemory(level0: Uint32Array, stride0: number, count: number): RowSource {
  return {
    count,
    singleReadsCheap: true,
    *chunksSteps(falling, rowsPerStep, visit) {
      const per = Math.max(1, rowsPerStep);
      for (let done = 0; done < count; ) {
        const n = Math.min(per, count - done);
        const first = falling ? count - done - n : done;
        visit(level0.subarray(first * stride0, (first + n) * stride0), stride0, first, n);
        done += n;
        if (done < count) yield;
      }
    },
    openStep: () => undefined,
    checkStep: () => undefined,
    closeStep: () => undefined,
    rowWords: () => level0,
    rowStart: (id) => id * stride0,
  };
}

/**
 * What a graph keeps from its first exhaustive walk, so later ones need next to no pass: the nodes
 * reachable from one node `root` (`from`), and those of them known to reach `root` back (`to`). A
 * node in both reaches exactly what `root` reaches: `from`.
 */
export class KeptReachability {
  constructor(
    readonly root: number,
    /** from[id] === 1: reachable from root (exact). */
    readonly from: Uint8Array,
    /** to[id] === 1: reachable from root, and known to reach it (sound; complete when the sweeps ended by themselves). */
    readonly to: Uint8Array,
    /** How many nodes `from` holds. */
    readonly reachable: number,
  ) {}

  /** Whether a walk from `ep` reaches exactly `from`. */
  covers(ep: number): boolean {
    return this.from[ep] === 1 && this.to[ep] === 1;
  }

  /** The admitted elements (`admit[id] === 1`) reachable from root, in id order. */
  admittedIn(admit: Uint8Array): number[] {
    const out: number[] = [];
    for (let id = 0; id < admit.length; id++) if (admit[id] === 1 && this.from[id] === 1) out.push(id);
    return out;
  }
}

/** How many exhaustive walks may try to learn what the graph keeps before none does. */
const KEEP_TRIES = 3;

/**
 * What one graph's exhaustive walks learn and reuse: KeptReachability, learnt by the first such
 * walk whose entry point reaches most of the graph, and the passes of the others.
 */
export class GraphReachability {
  private kept: KeptReachability | null = null;
  private keepTries = KEEP_TRIES;
  private rows: RowSource | null = null;
  /** How many walks needed no pass: what the graph keeps covered their entry point. */
  keptWalks = 0;

  constructor(private readonly links: Pick<GraphLinks, 'count' | 'level0' | 'level0File' | 'maxM0'>) {}

  /** The rows as the passes read them. */
  private rowSource(): RowSource {
    const g = this.links;
    return (this.rows ??= g.level0File ? g.level0File.rowSource() : rowsInMemory(g.level0, g.maxM0 + 1, g.count));
  }

  /**
   * The admitted elements a walk from `ep` reaches, or null to walk it instead. The first call
   * learns what the graph keeps (sweeps over the rows); then an entry point it covers needs no
   * pass, and any other a depth-first pass that stops where it covers. With the rows in the file
   * and nothing kept, a pass of single reads could read every row: null.
   */
  *reachedSteps(ep: number, admit: Uint8Array, admitted: number, s: WalkScratch, stepWork: number): Steps<number[] | null> {
    const rows = this.rowSource();
    if (this.kept === null && this.keepTries > 0) {
      this.keepTries--;
      const learnt = yield* keptReachabilitySteps(rows, ep, stepWork);
      // Kept only if it reaches most of the graph: an entry point in a small corner would cover few others.
      if (learnt && learnt.reachable * 2 >= this.links.count) this.kept ??= learnt;
      // Not kept, its `from` is still exactly what `ep` reaches: this walk's answer, without another pass.
      else if (learnt) return learnt.admittedIn(admit);
    }
    if (this.kept?.covers(ep)) {
      this.keptWalks++;
      return this.kept.admittedIn(admit);
    }
    if (!this.kept && this.links.level0File) return null;
    return yield* reachedSteps(rows, ep, admit, admitted, this.kept, s, stepWork);
  }
}

/** Sweeps over the rows at most; `from` must be complete by then, or nothing is kept. */
const MAX_SWEEPS = 24;

/** The sweeps for `to` end once one marks fewer than this share of the nodes (`to` is sound whenever they end). */
const TO_SWEEPS_END_BELOW = 1 / 2000;

/**
 * KeptReachability from `root`, or null when `from` could not be completed within MAX_SWEEPS.
 * Each sweep reads every row once, in order (by rising id, then falling, and so on: a path is
 * taken in one sweep as far as its ids run one way): a node of `from` not yet expanded marks its
 * neighbours into `from`, and a node of `from` with a neighbour in `to` joins `to`. Sequential
 * passes read data_level0.bin without holding its rows (a sweep of 5M rows reads 3.3 GB there).
 * Nodes marked behind a sweep wait for the next; once few wait (`rows.singleReadsCheap`: at
 * once), a depth-first pass of single reads expands them and what they reach, which completes
 * `from`. `to` needs no completing: sweeps end once they mark few. Only nodes of `from` join `to`:
 * a path from one of them to root goes through nodes reachable from root only.
 */
export function* keptReachabilitySteps(rows: RowSource, root: number, rowsPerStep: number): Steps<KeptReachability | null> {
  const count = rows.count;
  const state: SweepState = { from: new Uint8Array(count), to: new Uint8Array(count), expanded: new Uint8Array(count), falling: false, waiting: 1, toMarks: 0 };
  state.from[root] = 1;
  state.to[root] = 1;
  const visit: ChunkVisit = (words, wordsPerRow, first, n) => sweepRows(words, wordsPerRow, first, n, state);
  const finishFromBelow = rows.singleReadsCheap ? Infinity : Math.max(1, count / 1000);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++, state.falling = !state.falling) {
    const fromComplete = state.waiting === 0;
    state.toMarks = 0;
    yield* rows.chunksSteps(state.falling, rowsPerStep, visit);
    // Done once a sweep over the whole of `from` added few to `to` (none, below 2,000 nodes).
    if (fromComplete && state.toMarks < Math.max(1, count * TO_SWEEPS_END_BELOW)) break;
    if (state.waiting > 0 && state.waiting <= finishFromBelow) yield* expandWaitingSteps(rows, state, rowsPerStep);
  }
  if (state.waiting > 0) return null;
  let reachable = 0;
  for (let id = 0; id < count; id++) reachable += state.from[id]!;
  return new KeptReachability(root, state.from, state.to, reachable);
}

interface SweepState {
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  /** expanded[id] === 1: a node of `from` whose neighbours are marked. */
  readonly expanded: Uint8Array;
  falling: boolean;
  /** Nodes of `from` not expanded yet. */
  waiting: number;
  /** Nodes this sweep added to `to`. */
  toMarks: number;
}

/** One run of a sweep (a plain function: V8 optimises it apart from the generators around it). */
function sweepRows(words: Uint32Array, wordsPerRow: number, first: number, n: number, st: SweepState): void {
  const { from, to, expanded, falling } = st;
  for (let i = 0; i < n; i++) {
    const j = falling ? n - 1 - i : i;
    const v = first + j;
    if (from[v] !== 1) continue;
    const expand = expanded[v] !== 1;
    let reachesRoot = to[v] === 1;
    if (!expand && reachesRoot) continue;
    const w = j * wordsPerRow;
    const m = words[w]! & 0xffff;
    for (let k = 1; k <= m; k++) {
      const u = words[w + k]!;
      if (expand && from[u] !== 1) {
        from[u] = 1;
        st.waiting++;
      }
      if (!reachesRoot && to[u] === 1) {
        to[v] = 1;
        st.toMarks++;
        reachesRoot = true;
      }
    }
    if (expand) {
      expanded[v] = 1;
      st.waiting--;
    }
  }
}

/** Expands every waiting node of `from`, and what they reach, by single reads (steps of about `budget` rows). */
function* expandWaitingSteps(rows: RowSource, st: SweepState, budget: number): Steps<void> {
  const { from, expanded } = st;
  const stack: number[] = [];
  for (let id = 0; id < from.length; id++) if (from[id] === 1 && expanded[id] !== 1) stack.push(id);
  while (stack.length > 0) {
    rows.openStep();
    try {
      for (let read = 0; read < budget && stack.length > 0; read++) {
        const v = stack.pop()!;
        const words = rows.rowWords(v);
        const at = rows.rowStart(v);
        const m = words[at]! & 0xffff;
        for (let k = 1; k <= m; k++) {
          const u = words[at + k]!;
          if (from[u] === 1) continue;
          from[u] = 1;
          st.waiting++;
          stack.push(u);
        }
        expanded[v] = 1;
        st.waiting--;
      }
      rows.checkStep();
    } finally {
      rows.closeStep();
    }
    if (stack.length > 0) yield;
  }
}

/**
 * The admitted elements (`admit[id] === 1`, `admitted` of them) a walk from `ep` reaches: a
 * depth-first pass over single rows. With `kept`, a node it covers is not expanded (it reaches
 * exactly kept.from), so the pass usually ends at once. Without, it ends as soon as every admitted
 * element is reached, or nothing more is reachable. Marks nodes in `s.visited` under a fresh tag;
 * steps of about `budget` neighbours read each.
 */
export function* reachedSteps(rows: RowSource, ep: number, admit: Uint8Array, admitted: number, kept: KeptReachability | null, s: WalkScratch, budget: number): Steps<number[]> {
  s.begin();
  // Each node is pushed once (marked first), so the stack never holds more than every node.
  const pass: ReachPass = { rows, admit, admitted, kept, visited: s.visited, tag: s.tag, stack: (s.stack ??= new Int32Array(s.visited.length)), depth: 0, reached: [], reachesKept: false };
  s.visited[ep] = s.tag;
  if (kept?.covers(ep)) pass.reachesKept = true;
  else {
    pass.stack[pass.depth++] = ep;
    if (admit[ep] === 1) pass.reached.push(ep);
  }
  for (;;) {
    rows.openStep();
    let more: boolean;
    try {
      more = reachSome(pass, budget);
      rows.checkStep();
    } finally {
      rows.closeStep();
    }
    if (!more) break;
    yield;
  }
  if (!kept || !pass.reachesKept) return pass.reached;
  // Everything kept.from holds, and what the pass reached outside it.
  return [...kept.admittedIn(admit), ...pass.reached.filter((id) => kept.from[id] !== 1)];
}

interface ReachPass {
  readonly rows: RowSource;
  readonly admit: Uint8Array;
  readonly admitted: number;
  readonly kept: KeptReachability | null;
  readonly visited: Uint8Array;
  readonly tag: number;
  readonly stack: Int32Array;
  depth: number;
  readonly reached: number[];
  /** Whether the pass met a node kept covers. */
  reachesKept: boolean;
}

/** The pass until about `budget` neighbours are read; whether it has more to do (a plain function, as sweepRows). */
function reachSome(p: ReachPass, budget: number): boolean {
  const { rows, admit, admitted, kept, visited, tag, stack, reached } = p;
  const done = () => depth === 0 || (kept === null && reached.length >= admitted);
  let depth = p.depth;
  let read = 0;
  while (!done() && read < budget) {
    const id = stack[--depth]!;
    const words = rows.rowWords(id);
    const at = rows.rowStart(id);
    const n = words[at]! & 0xffff;
    for (let j = 1; j <= n; j++) {
      const cand = words[at + j]!;
      if (visited[cand] === tag) continue;
      visited[cand] = tag;
      if (kept?.covers(cand)) {
        p.reachesKept = true;
        continue;
      }
      stack[depth++] = cand;
      if (admit[cand] === 1) reached.push(cand);
    }
    read += n;
  }
  p.depth = depth;
  return !done();
}
