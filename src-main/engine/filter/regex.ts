import { InspectorError } from '../../../shared/errors.js';
import { RustRegexError } from './regex/errors.js';
import { parseRustRegex } from './regex/parser.js';
import { translateRustRegex, type TranslatedRegex } from './regex/translate.js';

/**
 * Chroma's `$regex` / `$not_regex` use the Rust `regex` crate: Chroma validates a pattern with
 * `regex_syntax::parse` plus its own "no byte patterns" rule, and SQLite's REGEXP runs an
 * unanchored search. This module validates with a port of that parser (same accepted language,
 * same error text: "Regex syntax errror: regex parse error: ..." (sic)) and runs an equivalent
 * JavaScript RegExp compiled with the `v` flag. See regex/translate.ts for what is reproduced.
 */

const MAX_CACHED = 512;
const cache = new Map<string, { regex: RegExp } | { error: InspectorError }>();

function build(pattern: string): { regex: RegExp } | { error: InspectorError } {
  let translated: TranslatedRegex;
  try {
    translated = translateRustRegex(pattern, parseRustRegex(pattern));
  } catch (err) {
    if (err instanceof RustRegexError) return { error: new InspectorError('INVALID_ARGUMENT', err.message, { reason: err.reason }) };
    throw err;
  }
  try {
    return { regex: new RegExp(translated.source, translated.flags) };
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      error: new InspectorError('INVALID_ARGUMENT', `Regex not supported by this engine: ${detail}`, { reason: 'unsupported' }),
    };
  }
}

function lookup(pattern: string): { regex: RegExp } | { error: InspectorError } {
  let entry = cache.get(pattern);
  if (entry) {
    // refresh recency
    cache.delete(pattern);
    cache.set(pattern, entry);
    return entry;
  }
  entry = build(pattern);
  cache.set(pattern, entry);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return entry;
}

/**
 * Compiles a Rust-syntax pattern to a JS RegExp with the same matches (use `.test()`: an
 * unanchored search). Throws InspectorError('INVALID_ARGUMENT') with Chroma's message for patterns
 * Chroma rejects, and for the few valid patterns this engine cannot run. Results are cached.
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
