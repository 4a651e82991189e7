import { allItems } from './dialect.js';
import { forEach, type Checks } from './rule-engine.js';

/** Rules for the read arguments `include` and `nResults`. Messages are Chroma's, verbatim. */

export const INCLUDE_VALUES: readonly string[] = ['distances', 'documents', 'embeddings', 'metadatas', 'uris'];

/** An `include` argument and the fields the operation does not allow (get: distances). */
export interface IncludeArg {
  readonly include: unknown;
  readonly exclude: readonly string[];
}

interface IncludeItem {
  readonly item: unknown;
  readonly exclude: readonly string[];
}

const INCLUDE_ITEM_RULES: Checks<IncludeItem> = [
  { applies: ({ item }) => typeof item !== 'string', message: () => "Expected 'include' items to be strings" },
  {
    applies: ({ item }) => !INCLUDE_VALUES.includes(item as string),
    message: ({ item }) => `Expected 'include' items to be one of ${INCLUDE_VALUES.join(', ')}, but got ${item as string}`,
  },
  { applies: ({ item, exclude }) => exclude.includes(item as string), message: ({ item }) => `${item as string} is not allowed for this operation` },
];

export const INCLUDE_RULES: Checks<IncludeArg> = [
  { applies: ({ include }) => !Array.isArray(include), message: () => "Expected 'include' to be a non-empty array" },
  forEach(({ include, exclude }) => allItems(include).map((item) => ({ item, exclude })), INCLUDE_ITEM_RULES),
];

export function nResultsRules(): Checks<unknown> {
  return [
    { applies: (n) => typeof n !== 'number', message: (n) => `Expected 'nResults' to be a number, but got ${typeof n}` },
    {
      // Integers and the u32 range are Chroma's own check, made while reading the request.
      applies: (n) => (n as number) <= 0,
      message: () => 'Number of requested results has to positive',
    },
  ];
}
