import type { JsDialect } from './dialect.js';
import { focus, forEach, when, type Checks, type Rule } from './rule-engine.js';

/**
 * Rules for the `where` and `whereDocument` filters as the chromadb client checks them before a
 * request is sent (the server's own parse comes after, in filter/parse-where.ts). Each clause
 * is one `{key: value}` entry; `$and` / `$or` recurse into their clause lists.
 */

const WHERE_OPERATORS = ['$gt', '$gte', '$lt', '$lte', '$ne', '$eq', '$in', '$nin', '$contains', '$not_contains'];
const ORDER_OPERATORS = ['$gt', '$gte', '$lt', '$lte'];
const SET_OPERATORS = ['$in', '$nin'];
const CONTAINS_OPERATORS = ['$contains', '$not_contains'];
const DOCUMENT_OPERATORS = ['$contains', '$not_contains', '$matches', '$not_matches', '$regex', '$not_regex', '$and', '$or'];
const SCALAR_TYPES = ['string', 'number', 'boolean'];

const isLogical = (key: string) => key === '$and' || key === '$or';

interface Clause {
  readonly key: string;
  readonly value: unknown;
}
interface Operation {
  readonly operator: string;
  readonly operand: unknown;
}

const clausesOf = (filter: unknown): Clause[] => Object.entries(filter as object).map(([key, value]) => ({ key, value }));
const operationOf = (expression: unknown): Operation => {
  const [operator, operand] = Object.entries(expression as object)[0]!;
  return { operator, operand };
};
const keyCount = (value: unknown) => Object.keys(value as object).length;

function whereOperationRules(d: JsDialect): Checks<Operation> {
  const isScalar = (v: unknown) => SCALAR_TYPES.includes(d.typeOf(v));
  return [
    {
      applies: ({ operator, operand }) => ORDER_OPERATORS.includes(operator) && d.typeOf(operand) !== 'number',
      message: ({ operator, operand }) => `Expected operand value to be a number for ${operator}, but got ${d.typeOf(operand)}`,
    },
    {
      applies: ({ operator, operand }) => SET_OPERATORS.includes(operator) && !Array.isArray(operand),
      message: ({ operator, operand }) => `Expected operand value to be an array for ${operator}, but got ${d.render(operand)}`,
    },
    {
      applies: ({ operator, operand }) => CONTAINS_OPERATORS.includes(operator) && !isScalar(operand),
      message: ({ operator, operand }) => `Expected operand value to be a string, number, or boolean for ${operator}, but got ${d.typeOf(operand)}`,
    },
    {
      applies: ({ operator }) => !WHERE_OPERATORS.includes(operator),
      message: ({ operator }) => `Expected operator to be one of $gt, $gte, $lt, $lte, $ne, $eq, $in, $nin, $contains, $not_contains, but got ${operator}`,
    },
    {
      applies: ({ operand }) => !isScalar(operand) && !Array.isArray(operand),
      message: () => 'Expected operand value to be a string, number, boolean, or a list of those types',
    },
    {
      applies: ({ operand }) => Array.isArray(operand) && (operand.length === 0 || !operand.every((item) => d.typeOf(item) === d.typeOf(operand[0]))),
      message: () => "Expected 'where' operand value to be a non-empty list and all values to be of the same type",
    },
  ];
}

/** The checks on a `where` filter (and, recursively, on each clause of its `$and` / `$or`). */
export function whereRules(d: JsDialect): Checks<unknown> {
  const valueType: Rule<Clause> = {
    applies: ({ key, value }) => !isLogical(key) && !SET_OPERATORS.includes(key) && !['object', ...SCALAR_TYPES].includes(d.typeOf(value)),
    message: ({ value }) => `Expected 'where' value to be a string, number, boolean, or an operator expression, but got ${d.render(value)}`,
  };
  const clauseRules: Checks<Clause> = [
    valueType,
    when(({ key }) => isLogical(key), [
      {
        applies: ({ value }) => d.clauseCount(value) <= 1,
        message: ({ value }) => `Expected 'where' value for $and or $or to be a list of 'where' expressions, but got ${d.render(value)}`,
      },
      forEach(({ value }) => d.items(value), () => rules),
    ]),
    when(({ key, value }) => !isLogical(key) && typeof value === 'object', [
      ...(d.rejectsNullClauses ? [{ applies: ({ value }: Clause) => value === null, message: valueType.message }] : []),
      { applies: ({ value }) => keyCount(value) !== 1, message: ({ value }) => `Expected operator expression to have one operator, but got ${d.render(value)}` },
      focus(({ value }) => operationOf(value), whereOperationRules(d)),
    ]),
  ];
  const rules: Checks<unknown> = [
    { applies: (where) => typeof where !== 'object' || (d.rejectsNullClauses && where === null), message: () => 'Expected where to be a non-empty object' },
    { applies: (where) => keyCount(where) !== 1, message: (where) => `Expected 'where' to have exactly one operator, but got ${keyCount(where)}` },
    forEach(clausesOf, clauseRules),
  ];
  return rules;
}

/** The checks on a `whereDocument` filter (and, recursively, on each of its `$and` / `$or` items). */
export function whereDocumentRules(d: JsDialect): Checks<unknown> {
  const rules: Checks<unknown> = [
    {
      applies: (filter) => typeof filter !== 'object' || (d.rejectsNullClauses && filter === null),
      message: () => "Expected 'whereDocument' to be a non-empty object",
    },
    {
      applies: (filter) => keyCount(filter) !== 1,
      message: (filter) => `Expected 'whereDocument' to have exactly one operator, but got ${d.render(filter)}`,
    },
    focus(operationOf, [
      {
        applies: ({ operator }) => !DOCUMENT_OPERATORS.includes(operator),
        message: ({ operator }) =>
          `Expected 'whereDocument' operator to be one of $contains, $not_contains, $matches, $not_matches, $regex, $not_regex, $and, or $or, but got ${operator}`,
      },
      when(({ operator }) => isLogical(operator), [
        {
          applies: ({ operand }) => !Array.isArray(operand),
          message: ({ operator, operand }) => `Expected operand for ${operator} to be a list of 'whereDocument' expressions, but got ${d.render(operand)}`,
        },
        {
          applies: ({ operand }) => (operand as unknown[]).length <= 1,
          message: ({ operator }) => `Expected 'whereDocument' operand for ${operator} to be a list with at least two 'whereDocument' expressions`,
        },
        forEach(({ operand }) => d.items(operand), () => rules),
      ]),
    ]),
  ];
  return rules;
}
