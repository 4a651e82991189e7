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
