import type { Steps } from '../util/steps.js';
import type { WalkScratch } from './walk-scratch.js';

/**
 * Which admitted elements (`admit[id] === 1`, `admitted` of them) a level-0 walk from `ep` reaches when it cannot stop early. A filter that
 * admits fewer than ef elements never gives the fork ef results, so its walk never stops and never
 * prunes: it pushes every unvisited neighbour and expands every node it pushed, which is every node
 * reachable from `ep` through the level-0 lists, whatever the distances. Which of the admitted
 * elements it collects therefore depends only on reachability, found here by a plain depth-first
 * pass over the rows: no distance, no heap. The best-first walk did that work through two heaps of
 * up to every element (~8 s at 5M; graph-search.ts has what the caller does with the answer).
 *
 * Marks nodes in `s.visited` under a fresh tag. Ends as soon as every admitted one is reached, or when
 * nothing more is reachable. Steps of about `budget` neighbours read each; `rows` must not
 * change meanwhile.
 */
export function* reachedSteps(rows: Uint32Array, stride0: number, ep: number, admit: Uint8Array, admitted: number, s: WalkScratch, budget: number): Steps<number[]> {
  s.begin();
  // Each node is pushed once (marked first), so the stack never holds more than every node.
  const pass: ReachPass = { rows, stride0, admit, admitted, visited: s.visited, tag: s.tag, stack: (s.stack ??= new Int32Array(s.visited.length)), depth: 1, reached: [] };
  s.visited[ep] = s.tag;
  pass.stack[0] = ep;
  if (admit[ep] === 1) pass.reached.push(ep);
  while (reachSome(pass, budget)) yield;
  return pass.reached;
}

interface ReachPass {
  readonly rows: Uint32Array;
  readonly stride0: number;
  readonly admit: Uint8Array;
  readonly admitted: number;
  readonly visited: Uint8Array;
  readonly tag: number;
  readonly stack: Int32Array;
  depth: number;
  readonly reached: number[];
}

/**
 * The pass until about `budget` neighbours are read; whether it has more to do. A plain function
 * (as graph-search.ts's walks): V8 optimises it apart from the generator that calls it.
 */
function reachSome(p: ReachPass, budget: number): boolean {
  const { rows, stride0, admit, admitted, visited, tag, stack, reached } = p;
  let depth = p.depth;
  let read = 0;
  while (depth > 0 && reached.length < admitted && read < budget) {
    const row = stack[--depth]! * stride0;
    const n = rows[row]!;
    for (let j = 1; j <= n; j++) {
      const cand = rows[row + j]!;
      if (visited[cand] === tag) continue;
      visited[cand] = tag;
      stack[depth++] = cand;
      if (admit[cand] === 1) reached.push(cand);
    }
    read += n;
  }
  p.depth = depth;
  return depth > 0 && reached.length < admitted;
}

/**
 * What a graph keeps from its first exhaustive walk, so later ones need no pass at all: the nodes
 * reachable from one node `root` (`from`), and nodes known to reach `root` (`to`). An entry point in
 * both reaches `root` and is reached from it, so it reaches exactly what `root` reaches: `from`.
 * `to` is sound at any time (a node is marked only once a neighbour of it was), and is found by
 * sweeps over the rows; it may fall short of every such node when the sweeps stop (MAX_SWEEPS).
 */
export class KeptReachability {
  constructor(
    readonly root: number,
    /** from[id] === 1: reachable from root. */
    readonly from: Uint8Array,
    /** to[id] === 1: known to reach root. */
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

/** Sweeps over the rows that find nodes reaching root, at most (each about one pass over the rows). */
const MAX_SWEEPS = 48;

/**
 * KeptReachability from `root`: a full depth-first pass (as reachedSteps, to the end), then sweeps
 * over the rows of the reachable nodes, alternately by rising and falling id, each marking a node
 * one of whose neighbours is marked, until one marks nothing new. Only reachable nodes are swept: a
 * path from one of them to root goes through reachable nodes only.
 */
export function* keptReachabilitySteps(rows: Uint32Array, stride0: number, root: number, s: WalkScratch, budget: number): Steps<KeptReachability> {
  const count = s.visited.length;
  // Admitting none, the pass goes to the end; its marks then say what is reachable.
  const from = new Uint8Array(count);
  yield* reachedSteps(rows, stride0, root, from, Infinity, s, budget);
  let reachable = 0;
  for (let id = 0; id < count; id++) reachable += from[id] = s.visited[id] === s.tag ? 1 : 0;
  const to = new Uint8Array(count);
  to[root] = 1;
  const sweep: Sweep = { rows, stride0, from, to, next: 0, rising: true, marked: 0 };
  for (let round = 0; round < MAX_SWEEPS; round++) {
    sweep.next = 0;
    sweep.marked = 0;
    while (sweepSome(sweep, budget)) yield;
    if (sweep.marked === 0) break;
    sweep.rising = !sweep.rising;
  }
  return new KeptReachability(root, from, to, reachable);
}

interface Sweep {
  readonly rows: Uint32Array;
  readonly stride0: number;
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  /** How many nodes of this sweep are done. */
  next: number;
  rising: boolean;
  /** Nodes this sweep marked. */
  marked: number;
}

/** One sweep until about `budget` neighbours are read; whether it has more to do (a plain function, as reachSome). */
function sweepSome(w: Sweep, budget: number): boolean {
  const { rows, stride0, from, to, rising } = w;
  const count = from.length;
  let read = 0;
  let next = w.next;
  while (next < count && read < budget) {
    const v = rising ? next : count - 1 - next;
    next++;
    if (from[v] !== 1 || to[v] === 1) continue;
    const row = v * stride0;
    const n = rows[row]!;
    for (let j = 1; j <= n; j++) {
      if (to[rows[row + j]!] === 1) {
        to[v] = 1;
        w.marked++;
        break;
      }
    }
    read += n;
  }
  w.next = next;
  return next < count;
}
