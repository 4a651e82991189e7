// One seeded generator for every test that draws at random (the workload, the fuzz calls, the
// graph differential, the corrupted copies): the same seed gives the same draws on every machine,
// so a failure reproduces. Plain JS with no imports, for node scripts and vitest alike.

/**
 * mulberry32: small, fast and good enough for test data.
 * @param {number} seed
 * @returns {() => number} draws in [0, 1)
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
