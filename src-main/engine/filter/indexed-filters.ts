import { invalidArgument } from '../../../shared/errors.js';
import type { TypedScalar } from '../util/typed-value.js';
import type { DocumentNode, WhereNode } from './where-ast.js';

/**
 * Chroma refuses a filter that needs an index the collection's schema disables
 * (docs/format.md §3.3): a metadata leaf whose key has the inverted index for the operand's type
 * turned off, or any document filter when full-text search is off for `#document`. The operand's
 * type decides (`{"i": {"$gt": 1.5}}` asks the float index of `i`, not its int one).
 */

const TYPE: Record<TypedScalar['kind'], { type: string; index: string; name: string }> = {
  string: { type: 'string', index: 'string_inverted_index', name: 'Str' },
  int: { type: 'int', index: 'int_inverted_index', name: 'Int' },
  float: { type: 'float', index: 'float_inverted_index', name: 'Float' },
  bool: { type: 'bool', index: 'bool_inverted_index', name: 'Bool' },
};

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
// Early 1.x spellings (`key_overrides`, `#string`, `$fts_index`) are still read, as Chroma reads them.
const member = (o: Json | undefined, name: string, prefix: string): Json | undefined => obj(o?.[name]) ?? obj(o?.[prefix + name]);

/** The `enabled` flag of `index` for values of `type` under `scope`, or undefined when not set there. */
function flag(scope: Json | undefined, type: string, index: string): boolean | undefined {
  const enabled = member(member(scope, type, '#'), index, '$')?.enabled;
  return typeof enabled === 'boolean' ? enabled : undefined;
}

function keysOf(schema: Json): Json | undefined {
  return obj(schema.keys) ?? obj(schema.key_overrides);
}

function checkWhere(schema: Json, node: WhereNode): void {
  switch (node.kind) {
    case 'and':
    case 'or':
      for (const child of node.children) checkWhere(schema, child);
      return;
    case 'document':
      checkDocument(schema);
      return;
    case 'compare':
    case 'contains':
    case 'in': {
      const value = node.kind === 'in' ? node.values[0]! : node.value;
      const t = TYPE[value.kind];
      const enabled = flag(obj(keysOf(schema)?.[node.key]), t.type, t.index) ?? flag(obj(schema.defaults), t.type, t.index) ?? true;
      if (!enabled) throw invalidArgument(`Cannot filter using metadata key '${node.key}' with type '${t.name}' because indexing is disabled`);
      return;
    }
  }
}

function checkDocument(schema: Json): void {
  // Only `#document`'s own entry: the defaults leave FTS off for every other string key.
  if (flag(obj(keysOf(schema)?.['#document']), 'string', 'fts_index') === false) {
    throw invalidArgument('Cannot filter using full-text search because FTS indexing is disabled');
  }
}

/** Throws Chroma's error when the collection's schema (`schema_str`, parsed) disables an index the filters need. */
export function checkFiltersIndexed(schemaJson: unknown, where: WhereNode | null, whereDocument: DocumentNode | null): void {
  const schema = obj(schemaJson);
  if (!schema) return;
  if (where) checkWhere(schema, where);
  if (whereDocument) checkDocument(schema);
}
