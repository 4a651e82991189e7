import type { RealChromaCheck } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { ChromaFolder } from '../chroma-folder.js';
import { expectationsFromFacts } from '../verify/expected-answers.js';
import { checkWithRealChroma, type RealChromaOptions, type RealChromaTarget } from '../verify/real-chroma-check.js';
import { runQueries, type CollectionFacts } from './repair-facts.js';

/**
 * Our engine's HNSW answers on the repaired copy, for the collections whose graph was rebuilt:
 * approximate search over a new graph may rank differently from the original's (repair-verify.ts
 * reports that), and real Chroma reading the new graph must then agree with our reading of it.
 */
function rebuiltAnswers(dir: string, before: ReadonlyMap<string, CollectionFacts>, rewritten: ReadonlySet<string>, recovered: ReadonlyMap<string, ReadonlySet<string>>) {
  const out = new Map<string, Map<string, string[]>>();
  if (rewritten.size === 0) return out;
  const folder = ChromaFolder.open(dir);
  try {
    for (const id of rewritten) {
      const facts = before.get(id);
      if (!facts) continue;
      const answers = new Map<string, string[]>();
      const width = facts.queries.length ? Math.min(facts.count, facts.queries[0]!.k + (recovered.get(id)?.size ?? 0)) : 0;
      for (const q of facts.queries) {
        const { graph } = runQueries(folder, id, q.vector, width);
        if (typeof graph !== 'string') answers.set(q.id, graph.map((h) => h.id));
      }
      out.set(id, answers);
    }
  } finally {
    folder.close();
  }
  return out;
}

/**
 * The repaired copy re-opened by real Chroma (when one is installed) and compared with the
 * original's facts; a disagreement fails the repair as our own verification does.
 */
export async function checkRepairWithRealChroma(
  target: RealChromaTarget,
  dir: string,
  before: ReadonlyMap<string, CollectionFacts>,
  ctx: { vectorsRewritten: ReadonlySet<string>; recovered: ReadonlyMap<string, ReadonlySet<string>> },
  opts: RealChromaOptions,
): Promise<RealChromaCheck> {
  if (!target.found) return target.skipped;
  const expected = expectationsFromFacts(before.values(), { recovered: ctx.recovered, rebuiltAnswers: rebuiltAnswers(dir, before, ctx.vectorsRewritten, ctx.recovered) });
  const check = await checkWithRealChroma(target.found, dir, expected, opts);
  if (check.differences.length > 0) {
    const more = check.differences.length > 1 ? ` (and ${check.differences.length - 1} more)` : '';
    throw new InspectorError(
      'INTERNAL',
      `real Chroma does not agree with the original on the repaired copy: ${check.differences[0]}${more}; nothing was written to the target ` +
        '(the check can be skipped with --no-chroma)',
      { reason: 'fix.real-chroma', realChroma: check },
    );
  }
  return check;
}
