import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import {
  DOC_OPS,
  LIST_OPS,
  WHERE_OPS,
  emptyGroup,
  newDocCondition,
  newWhereCondition,
  type DocGroup,
  type DocNode,
  type DocOp,
  type GroupOp,
  type ValueType,
  type WhereGroup,
  type WhereNode,
  type WhereOp,
} from './filter-model.js';
import type { Json } from './filter-to-json.js';

export type ParseOutcome<T> = { ok: true; value: T; json: Json | undefined } | { ok: false; error: string; json: Json | undefined; jsonError: boolean };

/** JSON text → typed JSON (numbers stay lossless, so `3.0` is still a float). Empty text = no filter. */
export function parseJsonText(text: string): { ok: true; value: Json | undefined } | { ok: false; error: string } {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: parse(text) as Json };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** JSON text → where builder. `jsonError` tells a syntax error from a valid filter the builder can't show. */
export function parseWhereText(text: string): ParseOutcome<WhereGroup> {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, error: parsed.error, json: undefined, jsonError: true };
  const json = parsed.value;
  try {
    return { ok: true, value: whereFromJson(json), json };
  } catch (err) {
    return { ok: false, error: (err as Error).message, json, jsonError: false };
  }
}

export function parseWhereDocumentText(text: string): ParseOutcome<DocGroup> {
  const parsed = parseJsonText(text);
  if (!parsed.ok) return { ok: false, error: parsed.error, json: undefined, jsonError: true };
  const json = parsed.value;
  try {
    return { ok: true, value: docFromJson(json), json };
  } catch (err) {
    return { ok: false, error: (err as Error).message, json, jsonError: false };
  }
}

/** Where JSON → builder tree; the root is always a group. Throws with a readable reason. */
export function whereFromJson(json: Json | undefined): WhereGroup {
  if (json === undefined) return emptyGroup();
  const node = whereNode(json);
  return node.kind === 'group' ? node : { ...emptyGroup<never>(), children: [node] };
}

function whereNode(json: Json): WhereNode {
  const [key, value] = single(json, 'where');
  if (key === '$and' || key === '$or') return { ...emptyGroup(key as GroupOp), children: list(value, key).map(whereNode) } as WhereGroup;
  if (key.startsWith('$')) throw new Error(`Unknown operator ${key}`);
  if (isPlainObject(value)) {
    const [op, operand] = single(value, `"${key}"`);
    if (!(WHERE_OPS as readonly string[]).includes(op)) throw new Error(`Unknown operator ${op} on "${key}"`);
    if (LIST_OPS.has(op as WhereOp)) {
      const items = list(operand, op);
      const type = items.length ? scalarType(items[0] as Json) : 'string';
      for (const it of items) if (scalarType(it) !== type && !(type === 'float' && scalarType(it) === 'int')) throw new Error(`Mixed types in ${op} on "${key}"`);
      return newWhereCondition({ key, op: op as WhereOp, type, value: listText(items) });
    }
    return newWhereCondition({ key, op: op as WhereOp, type: scalarType(operand), value: scalarText(operand) });
  }
  return newWhereCondition({ key, op: '$eq', type: scalarType(value), value: scalarText(value) });
}

export function docFromJson(json: Json | undefined): DocGroup {
  if (json === undefined) return emptyGroup();
  const node = docNode(json);
  return node.kind === 'group' ? node : { ...emptyGroup<never>(), children: [node] };
}

function docNode(json: Json): DocNode {
  const [key, value] = single(json, 'where_document');
  if (key === '$and' || key === '$or') return { ...emptyGroup(key as GroupOp), children: list(value, key).map(docNode) } as DocGroup;
  if (!(DOC_OPS as readonly string[]).includes(key)) throw new Error(`Unknown where_document operator ${key}`);
  if (typeof value !== 'string') throw new Error(`${key} takes a string`);
  return newDocCondition({ op: key as DocOp, value });
}

function single(json: Json, what: string): [string, Json] {
  if (!isPlainObject(json)) throw new Error(`Expected an object in ${what}`);
  const entries = Object.entries(json);
  if (entries.length !== 1) throw new Error(`Each ${what} object needs exactly one key (got ${entries.length}); combine with $and`);
  return entries[0] as [string, Json];
}

function list(value: Json, op: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${op} takes an array`);
  return value;
}

function isPlainObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v);
}

function scalarType(v: Json): ValueType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (isLosslessNumber(v)) return /^-?\d+$/.test((v as LosslessNumber).value) ? 'int' : 'float';
  throw new Error(`Unsupported value ${JSON.stringify(v)}`);
}

function scalarText(v: Json): string {
  if (isLosslessNumber(v)) return (v as LosslessNumber).value;
  return typeof v === 'string' ? v : String(v);
}

function listText(items: Json[]): string {
  const texts = items.map(scalarText);
  return items.some((x) => typeof x === 'string' && (x.includes(',') || x !== x.trim() || x === ''))
    ? JSON.stringify(texts)
    : texts.join(', ');
}
