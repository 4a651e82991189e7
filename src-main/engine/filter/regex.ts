import { InspectorError } from '../../../shared/errors.js';
import { RustRegexError, translateRustRegex, type PropertyResolver } from './rust-regex-translate.js';

/**
 * `$regex` / `$not_regex`: Chroma runs the Rust `regex` crate (SQLite `REGEXP` = an unanchored
 * search) and rejects invalid patterns with InvalidArgument "Regex syntax errror: <regex-syntax
 * error>" (sic), and `(?-u)` or never-matching classes with "Byte pattern is not allowed". Here a
 * pattern is translated to an equivalent JS RegExp (see rust-regex-translate.ts) and compiled
 * once; valid Rust patterns that Node 20 cannot express fail with "Unsupported regex: …".
 * Not reproduced: Rust's linear-time guarantee (JS backtracks, so `(a+)+$` can be very slow) and
 * its compiled-size limit (`a{1000000}` fails in Chroma only when the query runs).
 */

type Entry = { readonly regex: RegExp } | { readonly error: InspectorError };

const MAX_CACHED = 512;
const cache = new Map<string, Entry>(); // insertion order = recency order (an LRU)

/** Rust's error layout: the pattern, `^^^` under the offending parts, then "error: …". */
function formatSyntaxError(pattern: string, spans: readonly (readonly [number, number])[], message: string): string {
  const chars = Array.from(pattern);
  const lines = pattern.split('\n').map((line) => line.replace(/\r$/, '')); // like Rust's str::lines
  const multiLine = lines.length > 1;
  const width = multiLine ? String(lines.length).length : 0;
  const lineStarts = [0];
  chars.forEach((c, i) => c === '\n' && lineStarts.push(i + 1));
  const notes = new Map<number, string>(); // line index → caret line
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    let line = lineStarts.length - 1;
    while (lineStarts[line]! > start) line--;
    const column = start - lineStarts[line]!;
    const lineEnd = lineStarts[line]! + Array.from(lines[line] ?? '').length;
    const note = notes.get(line) ?? '';
    const carets = '^'.repeat(Math.max(1, Math.min(end, lineEnd) - start));
    notes.set(line, note + ' '.repeat(Math.max(0, column - note.length)) + carets);
  }
  const pad = ' '.repeat(multiLine ? width + 2 : 4);
  const shown = multiLine && pattern.endsWith('\n') ? lines.slice(0, -1) : lines;
  const body = shown.map((line, i) => {
    const text = multiLine ? `${String(i + 1).padStart(width)}: ${line}` : `    ${line}`;
    const note = notes.get(i);
    return note === undefined ? text : `${text}\n${pad}${note}`;
  });
  if (!multiLine) return `regex parse error:\n${body.join('\n')}\nerror: ${message}`;
  const divider = '~'.repeat(79);
  return `regex parse error:\n${divider}\n${body.join('\n')}\n${divider}\nerror: ${message}`;
}

const propertyCache = new Map<string, boolean>();
function isJsProperty(body: string): boolean {
  let ok = propertyCache.get(body);
  if (ok === undefined) {
    try {
      new RegExp(`\\p{${body}}`, 'u'); // `u`, not `v`: no properties of strings (Rust has none)
      ok = true;
    } catch {
      ok = false;
    }
    propertyCache.set(body, ok);
  }
  return ok;
}

/** `greek`, `uppercase letter` → `Greek`, `Uppercase_Letter`: part of Rust's loose name matching. */
const loose = (name: string): string =>
  name
    .split(/[\s_-]+/)
    .filter((word) => word !== '')
    .map((word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())
    .join('_');
const looseKey = (name: string): string => name.toLowerCase().replace(/[\s_-]/g, '');
const SPECIAL_NAMES = new Map([['any', 'Any'], ['ascii', 'ASCII'], ['assigned', 'Assigned']]);
const VALUE_PROPERTIES = new Map([
  ['gc', 'General_Category'], ['generalcategory', 'General_Category'],
  ['sc', 'Script'], ['script', 'Script'], ['scx', 'Script_Extensions'], ['scriptextensions', 'Script_Extensions'],
]);

const RUST_ONLY_PROPERTIES = new Set(['age', 'gcb', 'graphemeclusterbreak', 'wb', 'wordbreak', 'sb', 'sentencebreak']);
const NEVER_VALID = /^(?:(?:Script|Script_Extensions)=(?:Unknown|Zzzz)|(?:General_Category=)?(?:Cs|Surrogate))$/; // Rust has none

/**
 * Rust's Unicode class names, resolved by asking the JS engine: a general category or binary
 * property as written (`L`, `Lu`, `Alphabetic`), else a script (Rust allows `\p{Greek}` for
 * `Script=Greek`), also after `greek` → `Greek` and without an `is` prefix. Gaps: Rust's loose
 * matching also takes `UppercaseLetter`, `OldItalic`, `wspace`; those fail here as "not found".
 */
const resolveProperty: PropertyResolver = (name, value) => {
  let found: string | undefined;
  if (value === undefined) {
    const bare = /^is/i.test(name) ? [name.slice(2)] : [];
    const names = [SPECIAL_NAMES.get(looseKey(name)) ?? name, loose(name), ...bare, ...bare.map(loose)];
    found = [...names, ...names.map((n) => `Script=${n}`)].find(isJsProperty);
  } else {
    const key = looseKey(name);
    const property = VALUE_PROPERTIES.get(key);
    if (RUST_ONLY_PROPERTIES.has(key)) return { error: `the Unicode property ${name} is not available in JavaScript`, unsupported: true };
    if (property === undefined) return { error: 'Unicode property not found' };
    found = [value, loose(value)].map((v) => `${property}=${v}`).find(isJsProperty);
  }
  if (found !== undefined && NEVER_VALID.test(found)) return { error: 'Unicode property value not found' };
  return found ?? { error: value === undefined ? 'Unicode property not found' : 'Unicode property value not found' };
};

function build(pattern: string): Entry {
  let translated;
  try {
    translated = translateRustRegex(pattern, resolveProperty);
  } catch (err) {
    if (!(err instanceof RustRegexError)) throw err;
    const message =
      err.kind === 'syntax'
        ? `Regex syntax errror: ${formatSyntaxError(pattern, err.spans, err.message)}`
        : err.kind === 'byte-pattern'
          ? err.message
          : `Unsupported regex: ${err.message}`;
    return { error: new InspectorError('INVALID_ARGUMENT', message, { reason: err.kind }) };
  }
  try {
    return { regex: new RegExp(translated.source, translated.flags) };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { error: new InspectorError('INVALID_ARGUMENT', `Regex syntax errror: ${detail}`, { reason: 'syntax' }) };
  }
}

function lookup(pattern: string): Entry {
  let entry = cache.get(pattern);
  if (entry !== undefined) {
    cache.delete(pattern);
  } else {
    entry = build(pattern);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  }
  cache.set(pattern, entry);
  return entry;
}

/**
 * A JS RegExp that matches what the Rust pattern matches; use `.test()` (an unanchored search,
 * like Chroma's). Throws InspectorError('INVALID_ARGUMENT') for a pattern Chroma rejects, or one
 * this engine cannot run. Results (and errors) are cached.
 */
export function compileRegex(pattern: string): RegExp {
  const entry = lookup(pattern);
  if ('error' in entry) throw entry.error;
  return entry.regex;
}

/** Throws what Chroma throws for an invalid `$regex` pattern; returns nothing for a valid one. */
export function validateRegex(pattern: string): void {
  compileRegex(pattern);
}
