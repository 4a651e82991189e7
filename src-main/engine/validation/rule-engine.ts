/**
 * A small declarative rule engine for argument validation. A check list is data: rules
 * (`applies` → the value breaks the rule, `message` → Chroma's words for it) and groups that
 * narrow the value (a guard, a derived value, each item of a list) before running further
 * checks. Checks run in list order and the first broken rule wins, so the order of a list is
 * the order in which Chroma reports problems.
 *
 * A broken rule is reported as a neutral {@link Violation}; callers decide which error class
 * carries it (see {@link enforce}). Exceptions raised by a rule itself (a TypeError from
 * reading a property of null, say) are not violations and propagate unchanged.
 */

/** What a broken rule reports: the message, independent of any error class. */
export interface Violation {
  readonly message: string;
}

/** One check on a value. */
export interface Rule<T> {
  /** True when `value` breaks the rule. */
  readonly applies: (value: T) => boolean;
  /** The message for a value that breaks the rule. */
  readonly message: (value: T) => string;
}

/** A composite check, built by {@link when}, {@link focus} or {@link forEach}. */
export interface Group<T> {
  readonly evaluate: (value: T) => Violation | null;
}

export type Check<T> = Rule<T> | Group<T>;
export type Checks<T> = readonly Check<T>[];
/** A check list, or a thunk for lists that refer to themselves (nested filters). */
export type ChecksRef<T> = Checks<T> | (() => Checks<T>);

const resolve = <T>(checks: ChecksRef<T>): Checks<T> => (typeof checks === 'function' ? checks() : checks);

/** The first violation of `checks` by `value`, evaluated in list order; null when all pass. */
export function findViolation<T>(value: T, checks: ChecksRef<T>): Violation | null {
  for (const check of resolve(checks)) {
    if ('applies' in check) {
      if (check.applies(value)) return { message: check.message(value) };
      continue;
    }
    const violation = check.evaluate(value);
    if (violation) return violation;
  }
  return null;
}

/** Throws `toError(violation)` for the first violation of `checks` by `value`. */
export function enforce<T>(value: T, checks: ChecksRef<T>, toError: (violation: Violation) => Error): void {
  const violation = findViolation(value, checks);
  if (violation) throw toError(violation);
}

/** Runs `checks` only for values that satisfy `guard`. */
export function when<T>(guard: (value: T) => boolean, checks: ChecksRef<T>): Group<T> {
  return { evaluate: (value) => (guard(value) ? findViolation(value, checks) : null) };
}

/** Runs `checks` on a value derived from the one being checked. */
export function focus<T, U>(select: (value: T) => U, checks: ChecksRef<U>): Group<T> {
  return { evaluate: (value) => findViolation(select(value), checks) };
}

/** Runs `checks` on each item `items` yields, item after item (all checks of one item first). */
export function forEach<T, U>(items: (value: T) => Iterable<U>, checks: ChecksRef<U>): Group<T> {
  return {
    evaluate: (value) => {
      for (const item of items(value)) {
        const violation = findViolation(item, checks);
        if (violation) return violation;
      }
      return null;
    },
  };
}
