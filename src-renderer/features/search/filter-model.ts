/**
 * The search builder's model: trees of typed conditions under $and/$or groups, for `where`
 * (metadata) and `whereDocument` (document text). Immutable; every edit returns a new tree.
 */
export type ValueType = 'string' | 'int' | 'float' | 'bool';
export type WhereOp = '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin' | '$contains' | '$not_contains';
export type DocOp = '$contains' | '$not_contains' | '$regex' | '$not_regex';
export type GroupOp = '$and' | '$or';

export const WHERE_OPS: readonly WhereOp[] = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$contains', '$not_contains'];
export const DOC_OPS: readonly DocOp[] = ['$contains', '$not_contains', '$regex', '$not_regex'];
export const VALUE_TYPES: readonly ValueType[] = ['string', 'int', 'float', 'bool'];
export const LIST_OPS: ReadonlySet<WhereOp> = new Set(['$in', '$nin']);
export const ORDER_OPS: ReadonlySet<WhereOp> = new Set(['$gt', '$gte', '$lt', '$lte']);

export interface WhereCondition {
  kind: 'cond';
  id: string;
  key: string;
  op: WhereOp;
  type: ValueType;
  /** Raw text as typed; for $in/$nin a comma-separated list or a JSON array. */
  value: string;
}

export interface Group<C> {
  kind: 'group';
  id: string;
  op: GroupOp;
  children: (C | Group<C>)[];
}

export type WhereGroup = Group<WhereCondition>;
export type WhereNode = WhereCondition | WhereGroup;

export interface DocCondition {
  kind: 'cond';
  id: string;
  op: DocOp;
  value: string;
}
export type DocGroup = Group<DocCondition>;
export type DocNode = DocCondition | DocGroup;

let counter = 0;
export const nodeId = () => `n${++counter}`;

export function emptyGroup<C>(op: GroupOp = '$and'): Group<C> {
  return { kind: 'group', id: nodeId(), op, children: [] };
}

export function newWhereCondition(partial: Partial<Omit<WhereCondition, 'kind' | 'id'>> = {}): WhereCondition {
  return { kind: 'cond', id: nodeId(), key: '', op: '$eq', type: 'string', value: '', ...partial };
}

export function newDocCondition(partial: Partial<Omit<DocCondition, 'kind' | 'id'>> = {}): DocCondition {
  return { kind: 'cond', id: nodeId(), op: '$contains', value: '', ...partial };
}

type AnyNode<C> = C | Group<C>;

/** Replaces the node with `id` (anywhere in the tree) by `fn(node)`. */
export function updateNode<C extends { id: string }>(root: Group<C>, id: string, fn: (n: AnyNode<C>) => AnyNode<C>): Group<C> {
  if (root.id === id) return fn(root) as Group<C>;
  return {
    ...root,
    children: root.children.map((c) => (c.id === id ? fn(c) : isGroup(c) ? updateNode(c, id, fn) : c)),
  };
}

export function removeNode<C extends { id: string }>(root: Group<C>, id: string): Group<C> {
  return {
    ...root,
    children: root.children.filter((c) => c.id !== id).map((c) => (isGroup(c) ? removeNode(c, id) : c)),
  };
}

export function appendChild<C extends { id: string }>(root: Group<C>, groupId: string, child: AnyNode<C>): Group<C> {
  return updateNode(root, groupId, (g) => (isGroup(g) ? { ...g, children: [...g.children, child] } : g));
}

export function isGroup<C>(n: AnyNode<C>): n is Group<C> {
  return (n as { kind: string }).kind === 'group';
}

export function countConditions<C>(g: Group<C>): number {
  return g.children.reduce((n, c) => n + (isGroup(c) ? countConditions(c) : 1), 0);
}

/** Operators that make sense for a value type (ordering needs numbers). */
export function opsForType(type: ValueType): WhereOp[] {
  if (type === 'string' || type === 'bool') return WHERE_OPS.filter((o) => !ORDER_OPS.has(o));
  return [...WHERE_OPS];
}
