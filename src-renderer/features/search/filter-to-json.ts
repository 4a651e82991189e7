import { LosslessNumber } from 'lossless-json';
import { isGroup, LIST_OPS, type DocGroup, type DocNode, type Group, type ValueType, type WhereCondition, type WhereGroup, type WhereNode } from './filter-model.js';

/**
 * Builder → Chroma filter JSON. Numbers come out as LosslessNumber so a float keeps its `.0`
 * in the JSON text and the code snippets; `toPlain` turns the result into what the engine gets.
 */
export type Json = string | boolean | null | LosslessNumber | Json[] | { [k: string]: Json };

export interface BuildResult {
  /** Undefined when the builder holds no condition (no filter). */
  value: Json | undefined;
  /** Problems by node id; the filter is not runnable while any exist. */
  errors: Map<string, string>;
}

export function whereToJson(root: WhereGroup): BuildResult {
  const errors = new Map<string, string>();
  return { value: groupToJson(root, errors, conditionToJson), errors };
}

export function whereDocumentToJson(root: DocGroup): BuildResult {
  const errors = new Map<string, string>();
  return {
    value: groupToJson(root, errors, (c, errs) => {
      if (c.value === '') errs.set(c.id, 'Enter some text');
      return { [c.op]: c.value };
    }),
    errors,
  };
}

/** Empty groups vanish and single-child groups unwrap (Chroma's clients want ≥ 2 items in $and/$or). */
function groupToJson<C extends { id: string; kind: 'cond' }>(
  g: Group<C>,
  errors: Map<string, string>,
  leaf: (c: C, errors: Map<string, string>) => Json,
): Json | undefined {
  const parts: Json[] = [];
  for (const child of g.children) {
    const v = isGroup(child) ? groupToJson(child, errors, leaf) : leaf(child, errors);
    if (v !== undefined) parts.push(v);
  }
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { [g.op]: parts };
}

function conditionToJson(c: WhereCondition, errors: Map<string, string>): Json {
  const key = c.key.trim();
  if (!key) errors.set(c.id, 'Enter a metadata key');
  else if (key.startsWith('$')) errors.set(c.id, 'Keys cannot start with $');
  let operand: Json;
  if (LIST_OPS.has(c.op)) {
    const items = parseList(c.value, c.type);
    if (typeof items === 'string') {
      errors.set(c.id, items);
      operand = [];
    } else operand = items;
  } else {
    const v = parseTyped(c.value, c.type);
    if (v instanceof Error) {
      errors.set(c.id, v.message);
      operand = c.value;
    } else operand = v;
  }
  return { [key || '?']: { [c.op]: operand } };
}

/** One typed scalar from text. */
export function parseTyped(text: string, type: ValueType): Json | Error {
  const t = text.trim();
  switch (type) {
    case 'string':
      return text;
    case 'bool':
      if (t === 'true') return true;
      if (t === 'false') return false;
      return new Error('Expected true or false');
    case 'int':
      if (!/^[-+]?\d+$/.test(t)) return new Error(`"${text}" is not an integer`);
      return new LosslessNumber(String(BigInt(t)));
    case 'float': {
      if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return new Error(`"${text}" is not a number`);
      const n = Number(t);
      if (!Number.isFinite(n)) return new Error(`"${text}" is out of range`);
      const s = t.replace(/^\+/, '');
      return new LosslessNumber(/[.eE]/.test(s) ? s.replace(/^(-?)\./, '$10.').replace(/\.(?=$|[eE])/, '.0') : `${s}.0`);
    }
  }
}

/** `a, b, c` or a JSON array, every item of the given type; at least one. */
export function parseList(text: string, type: ValueType): Json[] | string {
  const t = text.trim();
  if (!t) return 'Enter at least one value';
  let raw: string[];
  if (t.startsWith('[')) {
    try {
      const arr: unknown = JSON.parse(t);
      if (!Array.isArray(arr)) return 'Expected a JSON array';
      raw = arr.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
    } catch {
      return 'Invalid JSON array';
    }
  } else raw = t.split(',').map((s) => s.trim());
  const out: Json[] = [];
  for (const item of raw) {
    const v = parseTyped(item, type);
    if (v instanceof Error) return v.message;
    out.push(v);
  }
  return out;
}

/** Lossless numbers → plain numbers: the shape the engine receives. */
export function toPlain(value: Json | undefined): unknown {
  if (value === undefined || value === null) return value;
  if (value instanceof LosslessNumber) return Number(value.value);
  if (Array.isArray(value)) return value.map((v) => toPlain(v));
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}

export type { WhereNode, DocNode };
