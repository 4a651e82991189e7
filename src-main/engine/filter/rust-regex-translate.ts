/**
 * One pass over a Rust `regex`-crate pattern that checks Rust's syntax and writes JavaScript
 * RegExp source for the `u` flag. Patterns Rust rejects but JS would take (look-around,
 * backreferences, `\k<…>`, `(?>…)`, `{,n}`, …) fail here with Rust's error text and position.
 * As in Rust, syntax errors win over "translation" errors (unknown property, `(?-u)` UTF-8
 * problems), which win over Chroma's own "Byte pattern is not allowed".
 *
 * Rust semantics kept by rewriting instead of JS flags:
 * - `.` is `[^\n]` (`[^\n\r]` with R, `\p{Any}` with s); `^` `$` `\A` `\z` are start/end of text;
 *   under m, `^`/`$` become look-arounds on `\n` (CRLF with R): JS `m` also breaks at \r, U+2028…;
 * - `\d` `\s` `\w` are Unicode (Nd, White_Space, UTS#18 word). `\b` `\B` `\<` `\>` `\b{start}`…
 *   are look-arounds on that word class, because JS `\b` only knows ASCII word characters
 *   (`\bé` differs); next to a literal they shrink to one look-around, so V8 keeps its fast
 *   literal search. Under `(?-u)` they use the ASCII class (with a global `i`, JS would also
 *   count U+017F and U+212A as word characters there: a known, tiny gap);
 * - nested classes and `&&` `--` `~~` become look-aheads (see Cls). Not the `v` flag: Node 20's
 *   V8 gets `[^]$` wrong and crashes on `/[^\P{Any}]/v`;
 * - V8 tries empty matches *inside* surrogate pairs, where every negative look-around holds;
 *   assertions made only of those get `MID_PAIR_GUARD` unless a literal follows;
 * - U swaps greedy/lazy; x skips whitespace and `#` comments; `a**` nests like Rust (no possessives).
 * `i` is the JS flag when every case-sensitive part of a pattern agrees on it. Where they disagree
 * (`(?i:a)b`, `a(?i)b`, `(?i)a(?-i)b`) Node 20 has no `(?i:…)` modifiers, so the pattern is
 * translated again with each case-insensitive atom spelled out as the class of everything JS's
 * `iu` matching equates with it (Unicode simple case folding, as Rust's `i`), and no `i` flag.
 */

export type RustRegexErrorKind = 'syntax' | 'byte-pattern' | 'unsupported';

/** A refused pattern; `spans` are [start, end) code-point offsets to underline (syntax errors). */
export class RustRegexError extends Error {
  constructor(readonly kind: RustRegexErrorKind, message: string, readonly spans: readonly (readonly [number, number])[] = []) {
    super(message);
    this.name = 'RustRegexError';
  }
}

export interface TranslatedRegex {
  readonly source: string;
  readonly flags: 'u' | 'iu';
}

/** Maps a Rust Unicode class (`L`, `Greek`; or `sc` + `Greek`) to a JS `\p{…}` body, or an error text. */
export type PropertyResolver = (name: string, value: string | undefined) => string | { error: string; unsupported?: boolean };

type Flags = Record<'i' | 'm' | 's' | 'U' | 'u' | 'x' | 'R', boolean>;
/**
 * `bytes`: holds what Rust makes a byte class (or its empty "fail" class), which Chroma refuses.
 * `single`: one character or one class; Rust merges `a|[bc]|\d` into one class, dropping "fail".
 * `cp`: a lone literal; `bare`: an assertion without the mid-pair guard; `word`: `\b` or `\B`.
 */
interface Atom {
  src: string;
  kind: 'atom' | 'assert' | 'rep' | 'flags';
  bytes?: boolean;
  single?: 'char' | 'class';
  cp?: number;
  bare?: string;
  word?: { negate: boolean; w: string };
  empty?: boolean; // matches only "" (`(?:)`, `x{0}`), which Rust drops from a concatenation
}
type Escape = { t: 'lit'; cp: number } | { t: 'cls'; body: string; neg: boolean; cased: boolean } | { t: 'assert'; name: string };

const LOOK_AROUND = 'look-around, including look-ahead and look-behind, is not supported';
const INVALID_UTF8 = 'pattern can match invalid UTF-8';
const NO_UNICODE = 'Unicode not allowed here';
const EOF_ESCAPE = 'incomplete escape sequence, reached end of pattern prematurely';
const NEST_LIMIT = 250;
const MID_PAIR_GUARD = String.raw`(?:^|(?<=[\s\S]))`;
const WORD = String.raw`\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}`;
const PERL: Record<string, string> = { d: String.raw`\p{Nd}`, s: String.raw`\p{White_Space}`, w: WORD };
const ASCII_PERL: Record<string, string> = { d: '0-9', s: String.raw`\t\n\v\f\r `, w: '0-9A-Z_a-z' };
const CONTROL: Record<string, number> = { a: 0x07, f: 0x0c, t: 0x09, n: 0x0a, r: 0x0d, v: 0x0b };
const BOUNDARY: Record<string, string> = { start: '<', end: '>', 'start-half': 'start-half', 'end-half': 'end-half' };
// prettier-ignore
const POSIX: Record<string, number[]> = { // [lo, hi, lo, hi, …]
  alnum: [48, 57, 65, 90, 97, 122], alpha: [65, 90, 97, 122], ascii: [0, 127], blank: [9, 9, 32, 32],
  cntrl: [0, 31, 127, 127], digit: [48, 57], graph: [33, 126], lower: [97, 122], print: [32, 126],
  punct: [33, 47, 58, 64, 91, 96, 123, 126], space: [9, 13, 32, 32], upper: [65, 90],
  word: [48, 57, 65, 90, 95, 95, 97, 122], xdigit: [48, 57, 65, 70, 97, 102],
};
const WHITE_SPACE = /^\p{White_Space}$/u;
const own = <T>(table: Record<string, T>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

/** Pattern text for exactly this code point, valid in and out of a `u` class. */
function lit(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return /^[\p{L}\p{N}_ ]$/u.test(ch) ? ch : `\\u{${cp.toString(16).toUpperCase()}}`;
}

/** Whether the character has other case forms, i.e. whether the `i` flag changes what it matches. */
function hasCase(cp: number): boolean {
  const ch = String.fromCodePoint(cp);
  return ch.toLowerCase() !== ch || ch.toUpperCase() !== ch;
}

function rangesHaveCase(ranges: number[]): boolean {
  for (let k = 0; k < ranges.length; k += 2) {
    if (ranges[k + 1]! - ranges[k]! > 0x1000) return true;
    for (let cp = ranges[k]!; cp <= ranges[k + 1]!; cp++) if (hasCase(cp)) return true;
  }
  return false;
}

/**
 * One character class. `simple`: `body` goes inside `[…]` and unions by concatenation;
 * otherwise `body` matches one character by itself (`[^…]`, or look-aheads for `&&` `--` `~~`).
 * A negation is always its own `[^…]`, so that under `i` JS folds case before complementing,
 * as Rust does (`(?i)[^a]`, `(?i)\P{Ll}`, `(?i)[[:^lower:]]`).
 */
type Cls = { body: string; simple: boolean; cased: boolean };
const alone = (c: Cls): string => (c.simple ? `[${c.body}]` : c.body);
const negate = (c: Cls): Cls => ({ body: c.simple ? `[^${c.body}]` : String.raw`(?:(?!${c.body})[\s\S])`, simple: false, cased: c.cased });
const literalItem = (cp: number): Cls => ({ body: lit(cp), simple: true, cased: hasCase(cp) });
function union(items: Cls[]): Cls {
  const simple = items.filter((c) => c.simple).map((c) => c.body).join('');
  const others = items.filter((c) => !c.simple).map((c) => c.body);
  const cased = items.some((c) => c.cased);
  if (others.length === 0) return { body: simple, simple: true, cased };
  return { body: `(?:${[...(simple ? [`[${simple}]`] : []), ...others].join('|')})`, simple: false, cased };
}

/** The code points below `limit` that a class matches, stopping once `enough` are found. */
function members(src: string, ignoreCase: boolean, limit: number, enough: number): number[] {
  const re = new RegExp(src, ignoreCase ? 'giu' : 'gu');
  const found: number[] = [];
  for (let lo = 0; lo < limit && found.length < enough; lo += 0x1000) {
    const cps: number[] = [];
    for (let cp = lo; cp < Math.min(lo + 0x1000, limit); cp++) if (cp < 0xd800 || cp > 0xdfff) cps.push(cp);
    for (const m of String.fromCodePoint(...cps).matchAll(re)) if (found.push(m[0].codePointAt(0)!) >= enough) break;
  }
  return found;
}

/** A class that matches nothing (Rust's "fail" class, which Chroma refuses as a byte pattern). */
const FAIL_CLASS = '[^\\p{Any}]';

let orbits: Map<number, number[]> | undefined;

/**
 * Code points JS's `iu` matching equates, grouped: built once, from the single-code-point
 * lower/upper mappings (which link every simple case-folding pair, `ſ`–`S`, `K`–`k`, `ς`–`Σ`
 * included), each group then checked against the RegExp engine itself.
 */
function caseOrbits(): Map<number, number[]> {
  if (orbits) return orbits;
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const join = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (let cp = 0; cp < 0x20000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    for (const other of [ch.toLowerCase(), ch.toUpperCase()]) {
      const o = other.codePointAt(0)!;
      if (other !== ch && other.length === String.fromCodePoint(o).length) join(cp, o);
    }
  }
  const groups = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const root = find(cp);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root)!.push(cp);
  }
  orbits = new Map();
  for (const group of groups.values()) for (const cp of group) orbits.set(cp, group);
  return orbits;
}

const orbitClasses = new Map<number, string>();

/** `[…]` of the characters `(?i)` makes this one match: its group, as the RegExp engine confirms it. */
function caseOrbitClass(cp: number): string {
  let cls = orbitClasses.get(cp);
  if (cls === undefined) {
    const re = new RegExp(`^${lit(cp)}$`, 'iu');
    const group = (caseOrbits().get(cp) ?? [cp]).filter((o) => re.test(String.fromCodePoint(o))).sort((a, b) => a - b);
    cls = `[${group.map(lit).join('')}]`;
    orbitClasses.set(cp, cls);
  }
  return cls;
}

/** A one-character class as a plain `[…]` of everything it matches under JS `iu` (which folds as Rust's `i`). */
function caseClosed(src: string): string {
  const any = new RegExp(src, 'iu');
  const all = new RegExp(`^(?:${src})+$`, 'iu');
  const runs: [number, number][] = [];
  // Whole blocks at a time, split only where members and non-members mix: classes are mostly runs.
  // A block is all BMP or all astral, so a code point's text sits at a fixed width from its start.
  let block = '';
  let blockStart = 0;
  let width = 1;
  const scan = (lo: number, hi: number): void => {
    const text = block.slice(width * (lo - blockStart), width * (hi - blockStart + 1));
    if (!any.test(text)) return;
    if (all.test(text)) {
      const last = runs[runs.length - 1];
      if (last && last[1] === lo - 1) last[1] = hi;
      else runs.push([lo, hi]);
      return;
    }
    const mid = (lo + hi) >> 1;
    scan(lo, mid);
    scan(mid + 1, hi);
  };
  for (const [lo, hi] of [[0, 0xd7ff], [0xe000, 0x10ffff]] as const) {
    for (let start = lo; start <= hi; start += 0x1000) {
      const end = Math.min(start + 0xfff, hi);
      blockStart = start;
      width = start >= 0x10000 ? 2 : 1;
      block = String.fromCodePoint(...Array.from({ length: end - start + 1 }, (_, k) => start + k));
      scan(start, end);
    }
  }
  if (runs.length === 0) return FAIL_CLASS;
  return `[${runs.map(([a, b]) => (a === b ? lit(a) : `${lit(a)}-${lit(b)}`)).join('')}]`;
}

class Translator {
  private readonly cps: string[];
  private pos = 0;
  private readonly names = new Map<string, [number, number]>();
  private readonly caseModes = new Set<boolean>(); // the `i` in force at each case-sensitive atom
  private deferred: RustRegexError | undefined; // first translation error, raised if parsing succeeds

  constructor(
    pattern: string,
    private readonly resolve: PropertyResolver,
    /** Spell out case-insensitive atoms as case-closed classes instead of relying on the `i` flag. */
    private readonly foldInline = false,
  ) {
    this.cps = Array.from(pattern);
  }

  run(): TranslatedRegex {
    const top = this.alternation({ i: false, m: false, s: false, U: false, u: true, x: false, R: false }, -1, 0);
    if (this.deferred) throw this.deferred;
    if (top.bytes) throw new RustRegexError('byte-pattern', 'Byte pattern is not allowed');
    if (this.caseModes.size > 1) return new Translator(this.cps.join(''), this.resolve, true).run();
    return { source: top.src, flags: this.caseModes.has(true) ? 'iu' : 'u' };
  }

  private fail(message: string, start: number, end = start, aux?: [number, number]): never {
    throw new RustRegexError('syntax', message, aux ? [aux, [start, end]] : [[start, end]]);
  }

  private defer(message: string, start: number, end: number, kind: RustRegexErrorKind = 'syntax'): void {
    this.deferred ??= new RustRegexError(kind, message, [[start, end]]);
  }

  private peek(offset = 0): string | undefined {
    return this.cps[this.pos + offset];
  }

  private take(text: string): boolean {
    if (this.cps.slice(this.pos, this.pos + text.length).join('') !== text) return false;
    this.pos += text.length;
    return true;
  }

  /** In `x` mode, skips whitespace and `#` comments. */
  private skip(flags: Flags): void {
    for (let c = this.peek(); flags.x && c !== undefined; c = this.peek()) {
      if (c === '#') while (this.pos < this.cps.length && this.cps[this.pos++] !== '\n');
      else if (WHITE_SPACE.test(c)) this.pos++;
      else return;
    }
  }

  private alternation(flags: Flags, open: number, depth: number): Atom {
    if (depth > NEST_LIMIT) this.fail(`exceed the maximum number of nested parentheses/brackets (${NEST_LIMIT})`, open, open + 1);
    const branches: Atom[][] = [[]];
    for (;;) {
      this.skip(flags);
      const c = this.peek();
      const seq = branches[branches.length - 1]!;
      if (c === undefined && open >= 0) this.fail('unclosed group', open, open + 1);
      if (c === ')' && open < 0) this.fail('unopened group', this.pos, this.pos + 1);
      if (c === undefined) break;
      if (c === ')' || c === '|') {
        this.pos++;
        if (c === ')') break;
        branches.push([]);
      } else if ('?*+{'.includes(c)) this.quantify(seq, flags);
      else if (c === '(') seq.push(this.group(flags, depth));
      else if (c === '[') seq.push(this.bracketAtom(flags, depth));
      else seq.push(this.primitive(flags));
    }
    const atoms = branches.map((seq) => seq.filter((a) => a.kind !== 'flags' && !a.empty));
    const singles = atoms.every((seq) => seq.length === 1 && seq[0]!.single) ? atoms.map((seq) => seq[0]!.single) : [];
    const merged = atoms.length > 1 && singles.length > 0; // `a|b`, `\d|[x]`: one class for Rust
    const bytes = atoms.some((seq) => seq.some((a) => a.bytes)) && !(merged && !singles.includes('char'));
    const src = branches.map((seq) => seq.map((a, k) => this.finish(a, seq[k - 1], seq[k + 1])).join('')).join('|');
    const empty = atoms.length === 1 && atoms[0]!.length === 0;
    return { src, kind: 'atom', bytes, single: merged ? 'class' : singles[0], empty };
  }

  /** An assertion's final text: `\b` next to a known character needs one look-around only. */
  private finish(atom: Atom, before: Atom | undefined, after: Atom | undefined): string {
    const known = after?.cp ?? before?.cp;
    if (atom.kind !== 'assert' || known === undefined) return atom.src;
    if (!atom.word) return after?.cp === undefined ? atom.src : (atom.bare ?? atom.src);
    const isWord = new RegExp(atom.word.w, 'u').test(String.fromCodePoint(known));
    const wordOnOtherSide = isWord === atom.word.negate; // `\b`: the other side differs; `\B`: it is the same
    if (after?.cp !== undefined) return wordOnOtherSide ? `(?<=${atom.word.w})` : `(?<!${atom.word.w})`;
    return wordOnOtherSide ? `(?=${atom.word.w})` : `(?!${atom.word.w})`;
  }

  private quantify(seq: Atom[], flags: Flags): void {
    const start = this.pos;
    const last = seq[seq.length - 1];
    if (last === undefined || last.kind === 'flags') this.fail('repetition operator missing expression', start);
    let op = this.cps[this.pos++]!;
    let bytes = last.bytes;
    let empty = false; // Rust drops `x{0}` whatever x is
    if (op === '{') {
      const unclosed: () => never = () => this.fail('unclosed counted repetition', start, this.pos);
      const noDigits: (at: number) => never = (at) => this.fail('repetition quantifier expects a valid decimal', at);
      this.skip(flags);
      if (this.peek() === undefined) unclosed();
      const min = this.decimal();
      let max: number | null = min.value;
      if (this.peek() === undefined) unclosed();
      if (this.take(',')) {
        this.skip(flags);
        if (this.peek() === undefined) unclosed();
        max = null;
        if (this.peek() !== '}') {
          if (min.value === null) noDigits(min.at); // Rust has no `{,n}`
          const end = this.decimal();
          max = end.value ?? noDigits(end.at);
        }
      }
      if (min.value === null) noDigits(min.at);
      if (!this.take('}')) unclosed();
      this.skip(flags);
      op = max === null ? `{${min.value},}` : max === min.value ? `{${max}}` : `{${min.value},${max}}`;
      if (max !== null && min.value > max) {
        const end = this.peek() === '?' ? this.pos + 1 : this.pos;
        this.fail('invalid repetition count range, the start must be <= the end', start, end);
      }
      empty = max === 0;
      if (empty) bytes = false;
    }
    const lazy = this.take('?');
    const base = last.kind === 'atom' ? last.src : `(?:${last.src})`; // JS cannot repeat `^` or `a*` as they are
    seq[seq.length - 1] = { src: `${base}${op}${lazy !== flags.U ? '?' : ''}`, kind: 'rep', bytes, empty };
  }

  /** Digits inside `{…}`, whitespace around them allowed; `value` is null when there are none. */
  private decimal(): { value: number | null; at: number } {
    const isSpace = () => this.peek() !== undefined && WHITE_SPACE.test(this.peek()!);
    while (isSpace()) this.pos++;
    const at = this.pos;
    while (this.peek() !== undefined && /^[0-9]$/.test(this.peek()!)) this.pos++;
    const digits = this.cps.slice(at, this.pos).join('');
    while (isSpace()) this.pos++;
    if (digits !== '' && Number(digits) > 0xffffffff) this.fail('decimal literal invalid', at, at + digits.length);
    return { value: digits === '' ? null : Number(digits), at };
  }

  private group(flags: Flags, depth: number): Atom {
    const open = this.pos++;
    this.skip(flags);
    const look = ['?=', '?!', '?<=', '?<!'].find((prefix) => this.take(prefix));
    if (look !== undefined) this.fail(LOOK_AROUND, open, this.pos);
    if (this.take('?P<') || this.take('?<')) {
      const at = this.pos;
      for (let c = this.peek(); c !== '>'; c = this.peek()) {
        if (c === undefined) this.fail('unclosed capture group name', this.pos);
        const ok = this.pos === at ? /^[_\p{Alphabetic}]$/u : /^[_.[\]\p{Alphabetic}\p{N}]$/u;
        if (!ok.test(c)) this.fail('invalid capture group character', this.pos, this.pos + 1);
        this.pos++;
      }
      const name = this.cps.slice(at, this.pos++).join('');
      if (name === '') this.fail('empty capture group name', at);
      const first = this.names.get(name);
      if (first) this.fail('duplicate capture group name', at, this.pos - 1, first);
      this.names.set(name, [at, this.pos - 1]);
      const inner = this.alternation({ ...flags }, open, depth + 1);
      // Names only matter to Rust's API; JS takes identifiers only, and `.test()` ignores names.
      const src = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `(?<${name}>${inner.src})` : `(${inner.src})`;
      return { src, kind: 'atom', bytes: inner.bytes };
    }
    if (!this.take('?')) {
      const inner = this.alternation({ ...flags }, open, depth + 1);
      return { src: `(${inner.src})`, kind: 'atom', bytes: inner.bytes };
    }
    if (this.peek() === undefined) this.fail('unclosed group', open, open + 1);
    const scoped = { ...flags };
    const seen = new Map<string, number>();
    let dangling = false;
    for (let c = this.peek(); c !== ':' && c !== ')'; c = this.peek()) {
      if (c === undefined) this.fail('expected flag but got end of regex', this.pos);
      const before = seen.get(c);
      if (c === '-' && before !== undefined) this.fail('flag negation operator repeated', this.pos, this.pos + 1, [before, before + 1]);
      if (c !== '-' && !'imsUuxR'.includes(c)) this.fail('unrecognized flag', this.pos, this.pos + 1);
      if (before !== undefined) this.fail('duplicate flag', this.pos, this.pos + 1, [before, before + 1]);
      if (c !== '-') scoped[c as keyof Flags] = !seen.has('-');
      dangling = c === '-';
      seen.set(c, this.pos++);
    }
    if (dangling) this.fail('dangling flag negation operator', this.pos - 1, this.pos);
    if (this.take(')')) {
      if (seen.size === 0) this.fail('repetition operator missing expression', open + 1);
      Object.assign(flags, scoped); // `(?flags)` holds until the end of the enclosing group
      return { src: '', kind: 'flags' };
    }
    this.pos++; // ':'
    const inner = this.alternation(scoped, open, depth + 1);
    return { ...inner, src: `(?:${inner.src})`, cp: undefined };
  }

  private primitive(flags: Flags): Atom {
    const start = this.pos;
    const c = this.peek()!;
    if (c === '\\') {
      const esc = this.escape(flags, false);
      if (esc.t === 'lit') return this.literal(esc.cp, flags);
      if (esc.t === 'assert') return this.assertion(esc.name, flags);
      if (esc.cased && this.foldInline && flags.i && flags.u) {
        const src = caseClosed(esc.neg ? `[^${esc.body}]` : `[${esc.body}]`);
        return { src, kind: 'atom', bytes: src === FAIL_CLASS, single: 'class' };
      }
      if (esc.cased) this.caseModes.add(flags.i);
      if (!flags.u) {
        if (esc.neg) this.defer(INVALID_UTF8, start, this.pos);
        return { src: `[${esc.neg ? '^' : ''}${esc.body}]`, kind: 'atom', bytes: true, single: 'class' };
      }
      const src = esc.neg ? `[^${esc.body}]` : /^\\p\{[^}]*\}$/.test(esc.body) ? esc.body : `[${esc.body}]`;
      return { src, kind: 'atom', bytes: esc.neg && members(src, flags.i, 0x110000, 1).length === 0, single: 'class' };
    }
    this.pos++;
    if (c === '^' || c === '$') return this.assertion(c, flags);
    if (c !== '.') return this.literal(c.codePointAt(0)!, flags);
    if (!flags.u) this.defer(INVALID_UTF8, start, start + 1);
    return { src: flags.s ? String.raw`\p{Any}` : flags.R ? String.raw`[^\n\r]` : String.raw`[^\n]`, kind: 'atom', single: 'class' };
  }

  private literal(cp: number, flags: Flags): Atom {
    if (!hasCase(cp)) return { src: lit(cp), kind: 'atom', single: 'char', cp };
    // Without `u`, Rust folds only ASCII letters, and into a byte class, which Chroma refuses.
    if (!flags.u && flags.i && cp < 0x80) {
      const pair = String.fromCodePoint(cp).toLowerCase() + String.fromCodePoint(cp).toUpperCase();
      return { src: `[${pair}]`, kind: 'atom', bytes: true, single: 'class' };
    }
    if (this.foldInline && flags.i && flags.u) return { src: caseOrbitClass(cp), kind: 'atom', single: 'class' };
    this.caseModes.add(flags.i && flags.u);
    return { src: lit(cp), kind: 'atom', single: flags.i && flags.u ? 'class' : 'char', cp };
  }

  private assertion(name: string, flags: Flags): Atom {
    const w = flags.u ? `[${WORD}]` : '[0-9A-Z_a-z]';
    const guarded = (bare: string): Atom => ({ src: bare + MID_PAIR_GUARD, kind: 'assert', bare });
    switch (name) {
      case '^':
        if (!flags.m) return { src: '^', kind: 'assert' };
        return flags.R ? { src: String.raw`(?:^|(?<=\n)|(?<=\r)(?!\n))`, kind: 'assert' } : guarded(String.raw`(?<![^\n])`);
      case '$':
        if (!flags.m) return { src: '$', kind: 'assert' };
        return flags.R ? { src: String.raw`(?:$|(?=\r)|(?<!\r)(?=\n))`, kind: 'assert' } : guarded(String.raw`(?![^\n])`);
      case 'A':
        return { src: '^', kind: 'assert' };
      case 'z':
        return { src: '$', kind: 'assert' };
      case 'b':
        return { src: `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`, kind: 'assert', word: { negate: false, w } };
      case 'B':
        return { src: `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})${MID_PAIR_GUARD})`, kind: 'assert', word: { negate: true, w } };
      case '<':
        return { src: `(?<!${w})(?=${w})`, kind: 'assert' };
      case '>':
        return { src: `(?<=${w})(?!${w})`, kind: 'assert' };
      case 'start-half':
        return guarded(`(?<!${w})`);
      default: // end-half
        return guarded(`(?!${w})`);
    }
  }

  /** The escape at `pos` (a `\`); a class escape comes back as the inside of a `[…]`. */
  private escape(flags: Flags, inClass: boolean): Escape {
    const start = this.pos++;
    const c = this.peek();
    if (c === undefined) this.fail(EOF_ESCAPE, start, this.pos);
    if (/^[0-9]$/.test(c)) this.fail('backreferences are not supported', start, this.pos + 1);
    if (c === 'x' || c === 'u' || c === 'U') return this.hexEscape(flags, start, inClass);
    if (c === 'p' || c === 'P') return this.propertyEscape(flags, start);
    this.pos++;
    if ('dswDSW'.includes(c)) {
      const body = (flags.u ? PERL : ASCII_PERL)[c.toLowerCase()]!;
      return { t: 'cls', body, neg: c !== c.toLowerCase(), cased: !flags.u && c.toLowerCase() === 'w' };
    }
    if (c.codePointAt(0)! < 0x80 && !/^[0-9A-Za-z<>]$/.test(c)) return { t: 'lit', cp: c.codePointAt(0)! };
    const control = own(CONTROL, c);
    if (control !== undefined) return { t: 'lit', cp: control };
    if (!'AzbB<>'.includes(c)) this.fail('unrecognized escape sequence', start, this.pos);
    if (c !== 'b' || this.peek() !== '{') return { t: 'assert', name: c };
    const after = this.peek(1); // `\b{start}` …, while `\b{5}` repeats `\b`
    if (after === undefined) this.fail('found either the beginning of a special word boundary or a bounded repetition on a \\b with an opening brace, but no closing brace', start, this.pos + 1);
    if (!/^[-A-Za-z]$/.test(after)) return { t: 'assert', name: 'b' };
    const brace = this.pos++;
    while (this.peek() !== undefined && /^[-A-Za-z]$/.test(this.peek()!)) this.pos++;
    if (this.peek() !== '}') this.fail('special word boundary assertion is either unclosed or contains an invalid character', brace, this.pos);
    const name = own(BOUNDARY, this.cps.slice(brace + 1, this.pos++).join(''));
    if (name === undefined) this.fail('unrecognized special word boundary assertion, valid choices are: start, end, start-half or end-half', brace + 1, this.pos - 1);
    return { t: 'assert', name };
  }

  private hexEscape(flags: Flags, start: number, inClass: boolean): Escape {
    const kind = this.cps[this.pos++]!;
    let digits = '';
    const brace = this.peek() === '{' ? this.pos++ : -1;
    const from = this.pos;
    for (let n = brace >= 0 ? Infinity : kind === 'x' ? 2 : kind === 'u' ? 4 : 8; n > 0; n--) {
      const c = this.peek();
      if (c === undefined) this.fail(EOF_ESCAPE, brace >= 0 ? brace : this.pos, this.pos);
      if (brace >= 0 && c === '}') break;
      if (!/^[0-9A-Fa-f]$/.test(c)) this.fail('invalid hexadecimal digit', this.pos, this.pos + 1);
      digits += c;
      this.pos++;
    }
    const to = this.pos;
    if (brace >= 0) this.pos++;
    if (digits === '') this.fail('hexadecimal literal empty', brace, this.pos);
    const cp = parseInt(digits, 16);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail('hexadecimal literal is not a Unicode scalar value', from, to);
    // Without `u`, `\x80`–`\xFF` is one byte, never valid UTF-8 alone (in a class: see bracket()).
    if (kind === 'x' && brace < 0 && !flags.u && cp > 0x7f && !inClass) this.defer(INVALID_UTF8, start, this.pos);
    if (inClass && !flags.u && cp > 0x7f && (kind !== 'x' || brace >= 0)) this.defer(NO_UNICODE, start, this.pos);
    return { t: 'lit', cp };
  }

  private propertyEscape(flags: Flags, start: number): Escape {
    let neg = this.cps[this.pos++] === 'P';
    let name: string;
    if (this.peek() === undefined) this.fail(EOF_ESCAPE, this.pos);
    if (this.peek() === '{') {
      const close = this.cps.indexOf('}', this.pos);
      if (close < 0) this.fail(EOF_ESCAPE, this.cps.length);
      name = this.cps.slice(this.pos + 1, close).join('');
      this.pos = close + 1;
    } else {
      if (this.peek() === '\\') this.fail('invalid Unicode character class', this.pos, this.pos + 1);
      name = this.cps[this.pos++]!;
    }
    const op = /!=|[:=]/.exec(name);
    if (op?.[0] === '!=') neg = !neg;
    const body = op ? this.resolve(name.slice(0, op.index), name.slice(op.index + op[0].length)) : this.resolve(name, undefined);
    if (!flags.u) this.defer(NO_UNICODE, start, this.pos);
    if (typeof body !== 'string') this.defer(body.error, start, this.pos, body.unsupported ? 'unsupported' : 'syntax');
    return { t: 'cls', body: typeof body === 'string' ? `\\p{${body}}` : String.raw`\p{Any}`, neg, cased: true };
  }

  private bracketAtom(flags: Flags, depth: number): Atom {
    const open = this.pos;
    const cls = this.bracket(flags, depth);
    if (cls.cased && this.foldInline && flags.i && flags.u) {
      const src = caseClosed(alone(cls));
      return { src, kind: 'atom', bytes: src === FAIL_CLASS, single: 'class' };
    }
    const src = alone(cls);
    if (cls.cased) this.caseModes.add(flags.i);
    if (this.deferred || flags.u) {
      const empty = /\[\^|\(\?[=!]/.test(src) && members(src, flags.i, 0x110000, 1).length === 0;
      return { src, kind: 'atom', bytes: empty, single: 'class' };
    }
    // Without `u` the class is a set of bytes: valid UTF-8 only if ASCII; accepted only as one character.
    const bytes = members(src, flags.i, 0x100, 0x100);
    if (bytes.some((b) => b > 0x7f)) this.defer(INVALID_UTF8, open, this.pos);
    if (bytes.length !== 1) return { src, kind: 'atom', bytes: true, single: 'class' };
    return { src: lit(bytes[0]!), kind: 'atom', single: 'char', cp: bytes[0]! };
  }

  /** The `[…]` at `pos`. Rust's `&&` `--` `~~` bind loosest and go left to right. */
  private bracket(flags: Flags, depth: number): Cls {
    const open = this.pos++;
    if (depth > NEST_LIMIT) this.fail(`exceed the maximum number of nested parentheses/brackets (${NEST_LIMIT})`, open, open + 1);
    const unions: Cls[][] = [[]];
    const ops: string[] = [];
    // The opening: `[`, `^`, then any `-`s, or else a `]`, all literal here.
    this.skip(flags);
    const negated = this.take('^');
    for (this.skip(flags); this.peek() === '-'; ) {
      unions[0]!.push(literalItem(this.cps[this.pos++]!.codePointAt(0)!));
      this.skip(flags);
      if (this.peek() === undefined) this.fail('unclosed character class', open);
    }
    if (unions[0]!.length === 0 && this.take(']')) unions[0]!.push(literalItem(0x5d));
    this.skip(flags);
    const openEnd = this.pos;
    const unclosed: () => never = () => this.fail('unclosed character class', open, openEnd);
    for (;;) {
      this.skip(flags);
      const c = this.peek();
      const items = unions[unions.length - 1]!;
      if (c === undefined) unclosed();
      if (c === ']') {
        this.pos++;
        break;
      }
      const at = this.pos;
      const posix = c === '[' ? /^\[:(\^?)([a-z]+):\]/.exec(this.cps.slice(this.pos, this.pos + 12).join('')) : null;
      const ranges = posix ? own(POSIX, posix[2]!) : undefined;
      if (posix && ranges) {
        this.pos += posix[0].length;
        const body = ranges.map((cp, k) => (k % 2 ? `-${lit(cp)}` : lit(cp))).join('');
        items.push(posix[1] ? negate({ body, simple: true, cased: rangesHaveCase(ranges) }) : { body, simple: true, cased: rangesHaveCase(ranges) });
        if (posix[1] && !flags.u) this.defer(INVALID_UTF8, at, this.pos); // a negated byte class
      } else if (c === '[') {
        const nested = this.bracket(flags, depth + 1);
        items.push(nested);
        if (!nested.simple && !flags.u && this.cps[at + 1] === '^') this.defer(INVALID_UTF8, at, this.pos);
      } else if ('&-~'.includes(c) && this.peek(1) === c) {
        ops.push(c + c);
        unions.push([]);
        this.pos += 2;
      } else items.push(this.classRange(flags, unclosed));
    }
    let result = union(unions[0]!);
    ops.forEach((op, k) => {
      const lhs = alone(result);
      const rhs = alone(union(unions[k + 1]!));
      const body = op === '&&' ? `(?:(?=${rhs})${lhs})` : op === '--' ? `(?:(?!${rhs})${lhs})` : `(?:(?!${rhs})${lhs}|(?!${lhs})${rhs})`;
      result = { body, simple: false, cased: result.cased || unions[k + 1]!.some((item) => item.cased) };
    });
    return negated ? negate(result) : result;
  }

  /** A literal, a range `a-z`, or a class escape such as `\w` or `\pL`. */
  private classRange(flags: Flags, unclosed: () => never): Cls {
    const start = this.pos;
    const a = this.classItem(flags);
    const aEnd = this.pos;
    this.skip(flags);
    if (this.peek() === undefined) unclosed(); // before looking at what `a` is, as Rust does
    const dash = this.pos;
    let isRange = this.take('-');
    if (isRange) {
      this.skip(flags);
      isRange = this.peek() !== ']' && this.peek() !== '-'; // `a-]` and `a--b` are not ranges
    }
    if (!isRange) {
      this.pos = dash;
      if (a.t === 'lit') return literalItem(a.cp);
      if (a.t === 'assert') this.fail('invalid escape sequence found in character class', start, aEnd);
      if (a.neg && !flags.u) this.defer(INVALID_UTF8, start, aEnd); // a negated byte class
      const item = { body: a.body, simple: true, cased: a.cased };
      return a.neg ? negate(item) : item;
    }
    if (this.peek() === undefined) unclosed();
    const bStart = this.pos;
    const b = this.classItem(flags);
    if (a.t !== 'lit') this.fail('invalid range boundary, must be a literal', start, aEnd);
    if (b.t !== 'lit') this.fail('invalid range boundary, must be a literal', bStart, this.pos);
    if (a.cp > b.cp) this.fail('invalid character class range, the start must be <= the end', start, this.pos);
    return { body: `${lit(a.cp)}-${lit(b.cp)}`, simple: true, cased: rangesHaveCase([a.cp, b.cp]) };
  }

  private classItem(flags: Flags): Escape {
    if (this.peek() === '\\') return this.escape(flags, true);
    const cp = this.cps[this.pos++]!.codePointAt(0)!;
    if (!flags.u && cp > 0x7f) this.defer(NO_UNICODE, this.pos - 1, this.pos);
    return { t: 'lit', cp };
  }
}

/** Translates a Rust-syntax pattern into `u`-flag JS source, or throws RustRegexError. */
export function translateRustRegex(pattern: string, resolve: PropertyResolver): TranslatedRegex {
  return new Translator(pattern, resolve).run();
}
