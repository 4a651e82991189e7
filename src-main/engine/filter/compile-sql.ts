import type Database from 'better-sqlite3';
import type { TypedScalar } from '../util/typed-value.js';
import { compileRegex } from './regex.js';
import { floatToI64, i64ToFloat, likeContainsPattern, sqlOperator, type SqlCompareOp } from './scalar-compare.js';
import type { DocumentNode, WhereNode } from './where-ast.js';

/**
 * Compiles a filter tree to a boolean SQL expression over `embeddings e`, reproducing Rust core's
 * translation (`sqlite_metadata.rs`, docs/format.md §7.4/docs/format.md §7.5):
 *
 * - every leaf is `e.id IN | NOT IN (SELECT id FROM embedding_metadata WHERE key = ? AND ...)`, so
 *   `$ne`, `$nin` and `$not_contains` match records that lack the key;
 * - numbers compare against both columns: `int_value <op> i UNION float_value <op> f`, where an int
 *   operand is converted to f64 for the float column and a float operand truncated (saturating) to
 *   i64 for the int column; `$in`/`$nin` likewise; each half can use the partial indexes
 *   `(key, int_value)` / `(key, float_value)` / `(key, string_value)`;
 * - array membership uses `embedding_metadata_array` with the operand's own typed column only;
 * - document `$contains` is a case-sensitive `LIKE '%..%' ESCAPE '\'` (the connection must have
 *   `PRAGMA case_sensitive_like = ON`) with `%`, `_`, `\` escaped; `$regex` is `REGEXP` (the
 *   connection must have `registerRegexp`).
 *
 * Parameters are positional; ints are bound as BigInt.
 */

export interface SqlFilterContext {
  /** `embedding_metadata_array` exists (metadb/6, Chroma 1.x with array metadata). */
  readonly hasArrayTable: boolean;
  /** Full-text table: trigram FTS5 (0.4.6+), the 0.4.0–0.4.5 `embedding_fulltext(id, string_value)`, or none. */
  readonly ftsTable: 'embedding_fulltext_search' | 'embedding_fulltext' | null;
  /** `embedding_metadata.bool_value` exists (absent before 0.4.4: bools were stored in int_value). */
  readonly hasBoolColumn: boolean;
}

export interface CompiledSql {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * One leg of a leaf's subquery, for a reader that pages it through its index
 * (filter/sql-leaf-pages.ts): ids whose `column` of `table` under `key` satisfies `op value`
 * (an `IN` list is one leg per value), or ids whose document contains `text` through the trigram
 * index, or whose document satisfies `condition` in a scan of the full-text table.
 */
export type SqlLeg =
  | { kind: 'index'; table: 'embedding_metadata' | 'embedding_metadata_array'; key: string; column: string; op: SqlCompareOp; value: unknown }
  | { kind: 'fts-match'; phrase: string; text: string }
  | { kind: 'fts-scan'; condition: string; value: unknown };

/** A leaf as the legs of its `e.id [NOT] IN (…)` subquery (compileLeafLegs). */
export interface LeafLegs {
  readonly negate: boolean;
  readonly legs: readonly SqlLeg[];
}

class SqlBuilder {
  readonly params: unknown[] = [];
  /** The legs of the last membership, and whether it was negated; null once a leg cannot be paged. */
  legs: SqlLeg[] | null = [];
  negate: boolean | null = null;

  constructor(private readonly ctx: SqlFilterContext) {}

  where(node: WhereNode): string {
    switch (node.kind) {
      case 'and':
        return node.children.length === 0 ? '1' : `(${node.children.map((c) => this.where(c)).join(' AND ')})`;
      case 'or':
        return node.children.length === 0 ? '0' : `(${node.children.map((c) => this.where(c)).join(' OR ')})`;
      case 'compare':
        return this.compare(node.key, node.op === '$ne', sqlOperator(node.op), node.value);
      case 'in':
        return this.inSet(node.key, node.negate, node.values);
      case 'contains':
        return this.contains(node.key, node.negate, node.value);
      case 'document':
        return this.document(node.doc);
    }
  }

  private membership(negate: boolean, subquery: string): string {
    this.negate = negate;
    return `e.id ${negate ? 'NOT IN' : 'IN'} (${subquery})`;
  }

  /** One `SELECT id FROM embedding_metadata` leg for `column <op> ?`, or `column IN (…)` for op 'IN'. */
  private leg(key: string, column: string, op: SqlCompareOp | 'IN', values: unknown[]): string {
    this.params.push(key, ...values);
    for (const value of values) this.legs?.push({ kind: 'index', table: 'embedding_metadata', key, column, op: op === 'IN' ? '=' : op, value });
    const condition = op === 'IN' ? `IN (${new Array<string>(values.length).fill('?').join(', ')})` : `${op} ?`;
    return `SELECT id FROM embedding_metadata WHERE key = ? AND ${column} ${condition}`;
  }

  private boolColumn(): string {
    return this.ctx.hasBoolColumn ? 'bool_value' : 'int_value';
  }

  private compare(key: string, negate: boolean, op: SqlCompareOp, value: TypedScalar): string {
    switch (value.kind) {
      case 'string':
        return this.membership(negate, this.leg(key, 'string_value', op, [value.value]));
      case 'bool':
        return this.membership(negate, this.leg(key, this.boolColumn(), op, [value.value ? 1n : 0n]));
      case 'int': {
        const ints = this.leg(key, 'int_value', op, [value.value]);
        const floats = this.leg(key, 'float_value', op, [i64ToFloat(value.value)]);
        return this.membership(negate, `${ints} UNION ${floats}`);
      }
      case 'float': {
        const ints = this.leg(key, 'int_value', op, [floatToI64(value.value)]);
        const floats = this.leg(key, 'float_value', op, [value.value]);
        return this.membership(negate, `${ints} UNION ${floats}`);
      }
    }
  }

  private inSet(key: string, negate: boolean, values: readonly TypedScalar[]): string {
    const first = values[0];
    if (!first) {
      this.legs = null;
      return negate ? '1' : '0';
    }
    switch (first.kind) {
      case 'string':
        return this.membership(negate, this.leg(key, 'string_value', 'IN', values.map((v) => v.value)));
      case 'bool':
        return this.membership(
          negate,
          this.leg(key, this.boolColumn(), 'IN', values.map((v) => (v.value ? 1n : 0n))),
        );
      case 'int': {
        const ints = values.map((v) => v.value as bigint);
        const a = this.leg(key, 'int_value', 'IN', ints);
        const b = this.leg(key, 'float_value', 'IN', ints.map(i64ToFloat));
        // Rust: `int IN OR float IN` / `int NOT IN AND float NOT IN`; one UNION subquery is equivalent.
        return this.membership(negate, `${a} UNION ${b}`);
      }
      case 'float': {
        const floats = values.map((v) => v.value as number);
        const a = this.leg(key, 'float_value', 'IN', floats);
        const b = this.leg(key, 'int_value', 'IN', floats.map(floatToI64));
        return this.membership(negate, `${a} UNION ${b}`);
      }
    }
  }

  private contains(key: string, negate: boolean, value: TypedScalar): string {
    // Without the array table no record has array metadata: contains is false, not_contains true.
    if (!this.ctx.hasArrayTable) {
      this.legs = null;
      return negate ? '1' : '0';
    }
    const column =
      value.kind === 'string' ? 'string_value' : value.kind === 'int' ? 'int_value' : value.kind === 'float' ? 'float_value' : 'bool_value';
    const bound = value.kind === 'bool' ? (value.value ? 1n : 0n) : value.value;
    this.params.push(key, bound);
    this.legs?.push({ kind: 'index', table: 'embedding_metadata_array', key, column, op: '=', value: bound });
    return this.membership(negate, `SELECT id FROM embedding_metadata_array WHERE key = ? AND ${column} = ?`);
  }

  private document(node: DocumentNode): string {
    switch (node.kind) {
      case 'doc-and':
        return node.children.length === 0 ? '1' : `(${node.children.map((c) => this.document(c)).join(' AND ')})`;
      case 'doc-or':
        return node.children.length === 0 ? '0' : `(${node.children.map((c) => this.document(c)).join(' OR ')})`;
      case 'doc-contains':
        // A NUL cannot go into an FTS5 phrase; Chroma's LIKE (below) reads the pattern as a C string.
        if (this.ctx.ftsTable === 'embedding_fulltext_search' && [...node.text].length >= 3 && !node.text.includes('\0')) {
          // The same answer as Chroma's `LIKE '%text%' ESCAPE '\'` (case-sensitive), but through
          // the trigram index: SQLite cannot use it for a LIKE with ESCAPE, so that is a full scan.
          // MATCH on the phrase finds candidates (case-insensitively); instr() keeps exact ones.
          this.params.push(`"${node.text.replace(/"/g, '""')}"`, node.text);
          this.legs?.push({ kind: 'fts-match', phrase: `"${node.text.replace(/"/g, '""')}"`, text: node.text });
          return this.membership(
            node.negate,
            'SELECT rowid FROM embedding_fulltext_search WHERE embedding_fulltext_search MATCH ? AND instr(string_value, ?) > 0',
          );
        }
        return this.membership(node.negate, this.documentSubquery("LIKE ? ESCAPE '\\'", likeContainsPattern(node.text)));
      case 'doc-regex':
        compileRegex(node.pattern); // fail now with Chroma's message rather than inside SQLite
        return this.membership(node.negate, this.documentSubquery('REGEXP ?', node.pattern));
    }
  }

  /** Ids whose document text satisfies `string_value <condition>`. */
  private documentSubquery(condition: string, value: unknown): string {
    switch (this.ctx.ftsTable) {
      case 'embedding_fulltext_search':
        this.params.push(value);
        this.legs?.push({ kind: 'fts-scan', condition, value });
        return `SELECT rowid FROM embedding_fulltext_search WHERE string_value ${condition}`;
      case 'embedding_fulltext':
        // 0.4.0–0.4.5: `id` holds embeddings.id (Python wrote (id, document) pairs).
        this.legs = null;
        this.params.push(value);
        return `SELECT id FROM embedding_fulltext WHERE string_value ${condition}`;
      case null:
        // No full-text table (SQLite without FTS5, or a damaged folder): the documents are also in
        // embedding_metadata under chroma:document, which gives the same answer.
        this.legs = null;
        this.params.push('chroma:document', value);
        return `SELECT id FROM embedding_metadata WHERE key = ? AND string_value ${condition}`;
    }
  }
}

/** Compiles `node` to `{ sql, params }`: a boolean expression over the alias `e` (embeddings). */
export function compileWhere(node: WhereNode, ctx: SqlFilterContext): CompiledSql {
  const builder = new SqlBuilder(ctx);
  const sql = builder.where(node);
  return { sql, params: builder.params };
}

/**
 * A leaf (`compare`, `in`, `contains`, or a document filter of one `$contains` or `$regex`) as
 * the legs of its subquery, with the same parameters compileWhere binds; null for anything else,
 * and for a leaf no index pages (a constant, the 0.4.0–0.4.5 full-text table, documents read from
 * embedding_metadata).
 */
export function compileLeafLegs(node: WhereNode, ctx: SqlFilterContext): LeafLegs | null {
  const single = node.kind === 'compare' || node.kind === 'in' || node.kind === 'contains' || (node.kind === 'document' && (node.doc.kind === 'doc-contains' || node.doc.kind === 'doc-regex'));
  if (!single) return null;
  const builder = new SqlBuilder(ctx);
  builder.where(node);
  return builder.legs && builder.negate !== null && builder.legs.length > 0 ? { negate: builder.negate, legs: builder.legs } : null;
}

/** Compiles a document filter alone (same conventions as compileWhere). */
export function compileWhereDocument(node: DocumentNode, ctx: SqlFilterContext): CompiledSql {
  return compileWhere({ kind: 'document', doc: node }, ctx);
}

/**
 * Registers SQLite's `regexp(pattern, text)` (what `text REGEXP pattern` calls) with Rust regex
 * semantics: an unanchored search. Compiled patterns are cached by compileRegex.
 */
export function registerRegexp(db: Database.Database): void {
  db.function('regexp', { deterministic: true }, (pattern: unknown, text: unknown) => {
    if (text === null || text === undefined) return null;
    if (typeof pattern !== 'string') throw new TypeError('regexp(): pattern must be text');
    const haystack = typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : String(text);
    return compileRegex(pattern).test(haystack) ? 1 : 0;
  });
}
