import type { TypedValue } from '../util/typed-value.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Value-type names as Rust writes them, with the `#`-prefixed aliases early 1.x wrote. */
const TYPE_NAMES = { string: 'string', int: 'int', float: 'float', bool: 'bool' } as const;

/**
 * Rust core adds a `keys` entry to `schema_str` for every metadata key and value type it applies
 * (docs/format.md §3.3): copied from `defaults`, arrays counting as their element type, `chroma:`
 * keys skipped. Returns the new JSON text, or null when nothing changed or the schema is absent.
 */
export function schemaWithKeys(schemaText: string | null, metadatas: Iterable<ReadonlyMap<string, TypedValue | null> | null>): string | null {
  if (!schemaText || schemaText.trim() === '' || schemaText.trim() === 'null') return null;
  let schema: unknown;
  try {
    schema = JSON.parse(schemaText);
  } catch {
    return null;
  }
  if (!isObj(schema) || !isObj(schema.defaults)) return null;
  const keysField = 'keys' in schema || !('key_overrides' in schema) ? 'keys' : 'key_overrides';
  if (!isObj(schema[keysField])) schema[keysField] = {};
  const keys = schema[keysField] as Obj;
  const defaults = schema.defaults;
  let changed = false;
  for (const md of metadatas) {
    for (const [key, value] of md ?? []) {
      if (value === null || key.startsWith('chroma:')) continue;
      const kind = value.kind === 'array' ? value.elementKind : value.kind;
      const name = TYPE_NAMES[kind];
      const defaultName = name in defaults ? name : `#${name}` in defaults ? `#${name}` : null;
      if (defaultName === null) continue;
      const entry = isObj(keys[key]) ? (keys[key] as Obj) : (keys[key] = {});
      if (name in entry || `#${name}` in entry) continue;
      entry[defaultName] = structuredClone(defaults[defaultName]);
      changed = true;
    }
  }
  return changed ? JSON.stringify(schema) : null;
}
