import { emptyGroup, type DocGroup, type WhereGroup } from './filter-model.js';
import { toPlain, whereDocumentToJson, whereToJson, type BuildResult, type Json } from './filter-to-json.js';
import { jsonText } from './code-snippets.js';
import { parseJsonText, parseWhereDocumentText, parseWhereText } from './json-to-filter.js';

/**
 * Two-way sync between a builder tree and its JSON text. Builder edits rewrite the text; text
 * edits update the builder whenever the text parses into something the builder can show.
 */
export interface SyncState<G> {
  group: G;
  text: string;
  /** Who edited last: the text then wins when it is valid JSON the builder can't show. */
  source: 'builder' | 'text';
  /** Why the text is not reflected in the builder (syntax error, or unsupported shape). */
  note: string | null;
  jsonError: boolean;
}

interface Kind<G> {
  build(g: G): BuildResult;
  parse(text: string): { ok: true; value: G } | { ok: false; error: string; jsonError: boolean };
}

export const whereKind: Kind<WhereGroup> = { build: whereToJson, parse: parseWhereText };
export const documentKind: Kind<DocGroup> = { build: whereDocumentToJson, parse: parseWhereDocumentText };

export function initialSync<G>(group: G, kind: Kind<G>): SyncState<G> {
  return fromBuilder(group, kind);
}

export function fromBuilder<G>(group: G, kind: Kind<G>): SyncState<G> {
  return { group, text: jsonText(kind.build(group).value), source: 'builder', note: null, jsonError: false };
}

export function fromText<G>(prev: SyncState<G>, text: string, kind: Kind<G>): SyncState<G> {
  const parsed = kind.parse(text);
  if (parsed.ok) return { group: parsed.value, text, source: 'text', note: null, jsonError: false };
  return { ...prev, text, source: 'text', note: parsed.error, jsonError: parsed.jsonError };
}

export type Resolved = { ok: true; value: unknown; json: Json | undefined } | { ok: false; error: string };

/** The filter to send: the builder's JSON (if valid), or the text as typed when it was edited last. */
export function resolveFilter<G>(state: SyncState<G>, kind: Kind<G>, label: string): Resolved {
  if (state.source === 'text' && state.note) {
    if (state.jsonError) return { ok: false, error: `${label}: invalid JSON (${state.note})` };
    const parsed = parseJsonText(state.text);
    if (!parsed.ok) return { ok: false, error: `${label}: ${parsed.error}` };
    return { ok: true, value: toPlain(parsed.value), json: parsed.value };
  }
  const built = kind.build(state.group);
  if (built.errors.size > 0) return { ok: false, error: `${label}: ${[...built.errors.values()][0]}` };
  return { ok: true, value: toPlain(built.value), json: built.value };
}

export const emptyWhere = () => initialSync<WhereGroup>(emptyGroup(), whereKind);
export const emptyDocument = () => initialSync<DocGroup>(emptyGroup(), documentKind);
