import type { PreviewCollection, RealChromaCheck } from '../../../shared/models.js';
import { captureFacts } from '../repair/repair-facts.js';
import { expectationsFromFacts, type ExpectedCollection } from '../verify/expected-answers.js';
import type { FoundChroma } from '../verify/find-chroma.js';
import { checkWithRealChroma, type RealChromaOptions, type RealChromaTarget } from '../verify/real-chroma-check.js';
import type { ResolvedRelease } from './chroma-releases.js';

/**
 * What the original holds, read by our engine on the snapshot before any migration is applied
 * (only when a real Chroma will compare with it: reading every collection costs time). A folder
 * our engine cannot read in full (a damaged collection) is compared by its counts alone.
 */
export function migrationExpectations(target: RealChromaTarget, snapshot: string, counts: readonly PreviewCounts[], signal?: AbortSignal): ExpectedCollection[] {
  if (!target.found) return [];
  try {
    return expectationsFromFacts(captureFacts(snapshot, signal).values());
  } catch (err) {
    if (signal?.aborted) throw err;
    return counts.map((c) => ({ tenant: c.tenant, database: c.database, name: c.name, id: c.id, count: c.countBefore, sample: [], queries: [] }));
  }
}

type PreviewCounts = Pick<PreviewCollection, 'tenant' | 'database' | 'name' | 'id' | 'countBefore'>;

/** Why the installed Chroma is not the release previewed, or null when it is (or cannot be told). */
export function releaseMismatch(found: FoundChroma, release: ResolvedRelease): string | null {
  if (!found.versionIsRelease || found.version === null) {
    return `which release the installed Chroma is cannot be told (it says ${JSON.stringify(found.version ?? 'nothing')}); ${release.name} was previewed`;
  }
  const m = /^(js-)?(\d+\.\d+\.\d+)/.exec(found.version);
  const line = m?.[1] ? 'js' : 'python';
  const installed = m ? (line === 'js' ? `Chroma JS bindings ${m[2]}` : `Chroma ${m[2]}`) : found.version;
  if (m && line === release.release.line && m[2] === release.version) return null;
  return `the installed Chroma is ${installed}, not ${release.name}: it opened the copy as its own release does (it may have migrated it further, or refused it)`;
}

/**
 * The migrated copy opened by the Chroma installed here, compared with the original. Never fails
 * the preview: whether that Chroma opened it, and how it answered, is reported as found.
 */
export async function checkMigrationWithRealChroma(
  target: RealChromaTarget,
  dir: string,
  expected: readonly ExpectedCollection[],
  release: ResolvedRelease,
  opts: RealChromaOptions,
): Promise<RealChromaCheck> {
  if (!target.found) return target.skipped;
  const check = await checkWithRealChroma(target.found, dir, expected, opts);
  const mismatch = releaseMismatch(target.found, release);
  return mismatch ? { ...check, note: `${check.note}; ${mismatch}` } : check;
}
