import { isLosslessNumber } from 'lossless-json';
import { parseJsonText } from '../search/json-to-filter.js';
import { toPlain } from '../search/filter-to-json.js';

export type ParsedFilter = { ok: true; value: Record<string, unknown> | undefined } | { ok: false; error: string };

/**
 * A where / whereDocument typed as JSON, parsed with the search feature's helpers (numbers stay
 * lossless until sent). Empty text or `{}` means no filter; anything but an object is refused
 * here, the rest is validated by the engine exactly as `get` validates it.
 */
export function parseFilterText(text: string, label: string): ParsedFilter {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, error: `Invalid JSON: ${parsed.error}` };
  const json = parsed.value;
  if (json === undefined) return { ok: true, value: undefined };
  if (typeof json !== 'object' || json === null || Array.isArray(json) || isLosslessNumber(json)) {
    return { ok: false, error: `${label} must be a JSON object, e.g. ${label === 'where' ? '{"category": "news"}' : '{"$contains": "storm"}'}` };
  }
  const plain = toPlain(json) as Record<string, unknown>;
  return { ok: true, value: Object.keys(plain).length === 0 ? undefined : plain };
}

/** The `get`-style args of `exportRecords`, or undefined for every record. */
export function exportArgs(where: ParsedFilter, whereDocument: ParsedFilter): Record<string, unknown> | undefined {
  const args: Record<string, unknown> = {};
  if (where.ok && where.value) args.where = where.value;
  if (whereDocument.ok && whereDocument.value) args.whereDocument = whereDocument.value;
  return Object.keys(args).length > 0 ? args : undefined;
}
