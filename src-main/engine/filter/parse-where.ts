import { invalidArgument } from '../../../shared/errors.js';
import type { TypedScalar } from '../util/typed-value.js';
import { ENGINE_ARGUMENTS } from '../validation/argument-schema.js';
import { enforce, type Violation } from '../validation/rule-engine.js';
import { validateRegex } from './regex.js';
import {
  docAnd,
  docContains,
  docOr,
  docRegex,
  whereAnd,
  whereCompare,
  whereContains,
  whereDocument,
  whereIn,
  whereOr,
  type CompareOp,
  type DocumentNode,
  type WhereNode,
} from './where-ast.js';

/**
 * Parsing of `where` / `whereDocument` arguments as a chromadb JS client followed by a Chroma 1.x
 * server (`where_parsing.rs`) would handle them: first the client's checks with its messages (the
 * rules in ../validation/filter-rules.ts), then the server's parse with "Invalid where clause" /
 * "Invalid where document clause" / "Regex syntax errror: ..." (sic).
 *
 * Input is what JS code passes: numbers that are integers are Chroma ints (the client serialises
 * `2` and `2.0` alike as `2`), others floats; as serde_json would, integers beyond i64 become u64
 * (rejected) or floats. A bigint is accepted as an exact integer (an extension for lossless JSON).
 */

export interface ParseFilterOptions {
  /**
   * Apply the JS client's validation first (default true). Without it only the server's rules
   * apply: `$and: []` is allowed and `{"#document": {"$regex": ...}}` works inside `where`.
   */
  readonly clientValidation?: boolean;
}

const rejectAsInvalid = (violation: Violation) => invalidArgument(violation.message);

const WHERE_CLAUSE = 'Invalid where clause';
const WHERE_DOCUMENT_CLAUSE = 'Invalid where document clause';

// ---- helpers --------------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Entries as JSON.stringify would send them (undefined members are dropped). */
function jsonEntries(obj: Record<string, unknown>): [string, unknown][] {
  return Object.entries(obj).filter(([, v]) => v !== undefined);
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

type JsonNumber = { type: 'i64'; value: bigint } | { type: 'u64' } | { type: 'f64'; value: number };

/** How serde_json would classify the number JSON.stringify writes for `value` (null if not a number). */
function classifyNumber(value: unknown): JsonNumber | null {
  if (typeof value === 'bigint') {
    if (value >= I64_MIN && value <= I64_MAX) return { type: 'i64', value };
    if (value >= 0n && value <= U64_MAX) return { type: 'u64' };
    return { type: 'f64', value: Number(value) };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) return null; // NaN/Infinity serialise as null
  if (Number.isInteger(value) && Math.abs(value) < 1e21) {
    // The digits JSON.stringify sends, not the double's exact value: 2**60 goes out as
    // 1152921504606847000, and that is the int Chroma compares (and stores, from a client's add).
    const big = BigInt(String(value));
    if (big >= I64_MIN && big <= I64_MAX) return { type: 'i64', value: big };
    if (big >= 0n && big <= U64_MAX) return { type: 'u64' };
  }
  return { type: 'f64', value };
}

// ---- Chroma server parse (where_parsing.rs) --------------------------------------------------

const COMPARE_OPS: ReadonlySet<string> = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte']);

function scalarOf(num: JsonNumber & { type: 'i64' | 'f64' }): TypedScalar {
  return num.type === 'i64' ? { kind: 'int', value: num.value } : { kind: 'float', value: num.value };
}

function parseSetOperand(key: string, negate: boolean, operand: unknown[]): WhereNode {
  const first = operand[0];
  if (first === undefined && operand.length === 0) throw invalidArgument(WHERE_CLAUSE);
  let values: TypedScalar[];
  const firstNumber = classifyNumber(first);
  if (typeof first === 'string') {
    values = operand.map((v) => {
      if (typeof v !== 'string') throw invalidArgument(WHERE_CLAUSE);
      return { kind: 'string', value: v };
    });
  } else if (typeof first === 'boolean') {
    values = operand.map((v) => {
      if (typeof v !== 'boolean') throw invalidArgument(WHERE_CLAUSE);
      return { kind: 'bool', value: v };
    });
  } else if (firstNumber?.type === 'f64') {
    values = operand.map((v) => {
      const n = classifyNumber(v);
      if (!n) throw invalidArgument(WHERE_CLAUSE);
      // serde_json as_f64 converts any number
      const f = typeof v === 'bigint' ? Number(v) : (v as number);
      return { kind: 'float', value: n.type === 'f64' ? n.value : f };
    });
  } else if (firstNumber?.type === 'i64') {
    values = operand.map((v) => {
      const n = classifyNumber(v);
      if (!n || n.type !== 'i64') throw invalidArgument(WHERE_CLAUSE);
      return { kind: 'int', value: n.value };
    });
  } else {
    throw invalidArgument(WHERE_CLAUSE);
  }
  return whereIn(key, values, negate);
}

function parseWhereAsServer(raw: unknown): WhereNode {
  if (!isPlainObject(raw)) throw invalidArgument(WHERE_CLAUSE);
  const entries = jsonEntries(raw);
  if (entries.length !== 1) throw invalidArgument(WHERE_CLAUSE);
  const [key, value] = entries[0]!;
  if (key === '$and' || key === '$or') {
    if (!Array.isArray(value)) throw invalidArgument(WHERE_CLAUSE);
    const children = value.map(parseWhereAsServer);
    return key === '$and' ? whereAnd(children) : whereOr(children);
  }
  if (key.startsWith('$')) throw invalidArgument(WHERE_CLAUSE);
  if (typeof value === 'string') return whereCompare(key, '$eq', { kind: 'string', value });
  if (typeof value === 'boolean') return whereCompare(key, '$eq', { kind: 'bool', value });
  const num = classifyNumber(value);
  if (num?.type === 'f64' || num?.type === 'i64') return whereCompare(key, '$eq', scalarOf(num));
  if (!isPlainObject(value)) throw invalidArgument(WHERE_CLAUSE);

  const opEntries = jsonEntries(value);
  if (opEntries.length !== 1) throw invalidArgument(WHERE_CLAUSE);
  const [operator, operand] = opEntries[0]!;
  const isContains = operator === '$contains' || operator === '$not_contains';
  if (Array.isArray(operand)) {
    if (operator !== '$in' && operator !== '$nin') throw invalidArgument(WHERE_CLAUSE);
    if (operand.length === 0) throw invalidArgument(WHERE_CLAUSE);
    return parseSetOperand(key, operator === '$nin', operand);
  }
  if (typeof operand === 'string') {
    if (isContains) {
      if (key === '#document') return whereDocument(docContains(operand, operator === '$not_contains'));
      return whereContains(key, { kind: 'string', value: operand }, operator === '$not_contains');
    }
    if (operator === '$regex' || operator === '$not_regex') {
      if (key !== '#document') throw invalidArgument(WHERE_CLAUSE);
      validateRegex(operand);
      return whereDocument(docRegex(operand, operator === '$not_regex'));
    }
    if (operator === '$eq' || operator === '$ne') return whereCompare(key, operator, { kind: 'string', value: operand });
    throw invalidArgument(WHERE_CLAUSE);
  }
  let scalar: TypedScalar;
  let numeric = false;
  if (typeof operand === 'boolean') scalar = { kind: 'bool', value: operand };
  else {
    const n = classifyNumber(operand);
    if (n?.type !== 'f64' && n?.type !== 'i64') throw invalidArgument(WHERE_CLAUSE);
    scalar = scalarOf(n);
    numeric = true;
  }
  if (isContains) {
    if (key === '#document') throw invalidArgument(WHERE_CLAUSE);
    return whereContains(key, scalar, operator === '$not_contains');
  }
  if (operator === '$eq' || operator === '$ne' || (numeric && COMPARE_OPS.has(operator))) {
    return whereCompare(key, operator as CompareOp, scalar);
  }
  throw invalidArgument(WHERE_CLAUSE);
}

function parseWhereDocumentAsServer(raw: unknown): DocumentNode {
  if (!isPlainObject(raw)) throw invalidArgument(WHERE_DOCUMENT_CLAUSE);
  const entries = jsonEntries(raw);
  if (entries.length !== 1) throw invalidArgument(WHERE_DOCUMENT_CLAUSE);
  const [key, value] = entries[0]!;
  if (key === '$and' || key === '$or') {
    if (!Array.isArray(value)) throw invalidArgument(WHERE_DOCUMENT_CLAUSE);
    const children = value.map(parseWhereDocumentAsServer);
    return key === '$and' ? docAnd(children) : docOr(children);
  }
  if (typeof value !== 'string') throw invalidArgument(WHERE_DOCUMENT_CLAUSE);
  switch (key) {
    case '$contains':
      return docContains(value, false);
    case '$not_contains':
      return docContains(value, true);
    case '$regex':
    case '$not_regex':
      validateRegex(value);
      return docRegex(value, key === '$not_regex');
    default:
      throw invalidArgument(WHERE_DOCUMENT_CLAUSE);
  }
}

// ---- public API -------------------------------------------------------------------------------

/**
 * Parses a `where` argument. `null`/`undefined` mean "no filter" (null result). Throws
 * InspectorError('INVALID_ARGUMENT') with the JS client's or Chroma's message.
 */
export function parseWhere(raw: unknown, options: ParseFilterOptions = {}): WhereNode | null {
  if (raw === null || raw === undefined) return null;
  // The client validates only truthy values (`if (where) validateWhere(where)`); the server sees all.
  if ((options.clientValidation ?? true) && raw) enforce(raw, ENGINE_ARGUMENTS.where, rejectAsInvalid);
  return parseWhereAsServer(raw);
}

/** Parses a `whereDocument` argument; same conventions as parseWhere. */
export function parseWhereDocument(raw: unknown, options: ParseFilterOptions = {}): DocumentNode | null {
  if (raw === null || raw === undefined) return null;
  if ((options.clientValidation ?? true) && raw) enforce(raw, ENGINE_ARGUMENTS.whereDocument, rejectAsInvalid);
  return parseWhereDocumentAsServer(raw);
}
