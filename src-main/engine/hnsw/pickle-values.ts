/**
 * Values the safe pickle reader produces. Python objects are never constructed: a class reference
 * stays a name (PickleGlobal), and "calling" it yields an inert PickleObject that records what the
 * pickle asked for, so a hostile file can do nothing but describe data.
 */

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleDict
  | PickleTuple
  | PickleSet
  | PickleGlobal
  | PickleObject;

/** Python dict. JS Map compares string/number/bigint keys by value, which is what the data uses. */
export type PickleDict = Map<PickleValue, PickleValue>;

/** A tuple is kept apart from a list so shape checks can tell `()` from `[]`. */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

export class PickleSet {
  constructor(
    readonly items: PickleValue[],
    readonly frozen: boolean,
  ) {}
}

/** A `module.name` reference from GLOBAL / STACK_GLOBAL / INST: only ever a name. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get fullName(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * Placeholder for `cls(*args)` / `cls.__new__(cls, *args)` / `cls.__reduce__` results.
 * BUILD stores its argument in `state` (mutating in place, so memo references see it too), which
 * is how a serde-pickle style reader "replaces the object by its state dict" without losing the
 * class name we want to report.
 */
export class PickleObject {
  state: PickleValue | undefined = undefined;
  /** Items SETITEM(S) added to the object (e.g. an OrderedDict rebuilt via REDUCE). */
  dictItems: PickleDict | undefined = undefined;
  /** Items APPEND(S) added to the object (e.g. a list subclass). */
  listItems: PickleValue[] | undefined = undefined;

  constructor(
    readonly className: string,
    readonly args: readonly PickleValue[],
    readonly kwargs: PickleValue = null,
  ) {}
}

export function isPickleDict(v: PickleValue | undefined): v is PickleDict {
  return v instanceof Map;
}

/** Short human name of a value's Python type, for error messages. */
export function pickleTypeName(v: PickleValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof PickleTuple) return 'tuple';
  if (v instanceof PickleSet) return v.frozen ? 'frozenset' : 'set';
  if (v instanceof PickleGlobal) return `class ${v.fullName}`;
  return `${v.className} object`;
}
