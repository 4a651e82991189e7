import { parallelInsert } from '../../src-main/engine/hnsw/parallel-insert.js';
import { addonFunctions, type AddonFunctions } from '../../src-main/engine/util/addon-functions.js';

/**
 * Why the addon, or one of the functions named, is not here; null when they are. Tests that call
 * the addon directly skip with this reason in their name (addonSuite) where native/build.mjs
 * could not build it (it said why during npm install, and the engine does without it), where
 * CHROMA_INSPECTOR_NATIVE=off, or where the platform has no such function (the level-0 pass and
 * the page-cache share are Linux and macOS only). CI allows none of these skips
 * (.ci/allowed-skips.txt), so a build that goes missing there still fails the run.
 */
export function addonMissing(...names: (keyof AddonFunctions)[]): string | null {
  const status = parallelInsert();
  if (!status.available) return status.reason;
  const fns = addonFunctions();
  const absent = names.filter((name) => fns[name] === null);
  return absent.length === 0 ? null : `the addon built here has no ${absent.join(', ')} (${process.platform})`;
}

/** A suite's or test's name, with the reason it skips where it does (the convention of corpusSuite). */
export function addonSuite(name: string, missing: string | null): string {
  return missing === null ? name : `${name} SKIPPED: ${missing}`;
}
