/**
 * Float32 values as Chroma prints them. Chroma keeps embeddings and distances as f32 and its JSON
 * writer prints each in the shortest decimal that reads back as the same f32 (ryu), so a chromadb
 * user sees `-0.8231` where widening the f32 to a double would show `-0.8230999708175659`.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`)); // exact doubles

/**
 * The f32 nearest `x` as the double whose shortest text is the f32's shortest round-trip decimal
 * (the nearest such decimal when several have that many digits).
 */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  let e10 = Math.floor(Math.log10(Math.abs(f)));
  if (e10 - 9 < -22 || e10 > 21) return viaText(f);
  // log10 can miss by one next to a power of ten; starting a digit short would skip candidates.
  const pow = (e: number) => (e >= 0 ? POW10[e]! : 1 / POW10[-e]!);
  if (Math.abs(f) < pow(e10)) e10--;
  else if (Math.abs(f) >= pow(e10 + 1)) e10++;
  // Fewest digits first; whether some p-digit decimal reads back only grows with p, so halve.
  let lo = 1;
  let hi = 9;
  let found = NaN;
  while (lo <= hi) {
    const p = (lo + hi) >> 1;
    const got = roundTripWithDigits(f, p - 1 - e10);
    if (Number.isNaN(got)) lo = p + 1;
    else {
      found = got;
      hi = p - 1;
    }
  }
  return Number.isNaN(found) ? viaText(f) : found;
}

/**
 * The decimal m·10^-k nearest f that reads back as f, or NaN. m·10^-k is computed as one
 * correctly rounded operation on exact operands, so it is the double nearest the decimal; m comes
 * from an inexact product, so its neighbours are tried too (and, just above a power of two, the
 * neighbour on the wide side may read back where the nearest does not).
 */
function roundTripWithDigits(f: number, k: number): number {
  const scale = POW10[Math.abs(k)]!;
  const m = Math.round(k >= 0 ? f * scale : f / scale);
  let best = NaN;
  for (let c = m - 1; c <= m + 1; c++) {
    const v = k >= 0 ? c / scale : c * scale;
    if (Math.fround(v) === f && (Number.isNaN(best) || Math.abs(v - f) < Math.abs(best - f))) best = v;
  }
  return best;
}

function closestRoundTrip(f: number, candidates: number[]): number | null {
  let best: number | null = null;
  for (const c of candidates) {
    if (Math.fround(c) === f && (best === null || Math.abs(c - f) < Math.abs(best - f))) best = c;
  }
  return best;
}

/** The same search through the runtime's decimal conversion, for exponents beyond exact powers of ten. */
function viaText(f: number): number {
  for (let p = 1; p <= 9; p++) {
    const [digits, exp] = f.toExponential(p - 1).split('e') as [string, string];
    const m = Number(digits.replace('.', ''));
    const scale = Number(exp) - (p - 1);
    const found = closestRoundTrip(f, [m, m - 1, m + 1].map((c) => Number(`${c}e${scale}`)));
    if (found !== null) return found;
  }
  return f; // unreachable: nine significant digits always identify an f32
}

/** A float32 vector as plain numbers in their shortest form. */
export function shortestFloat32Array(v: ArrayLike<number>): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = shortestFloat32(v[i]!);
  return out;
}
