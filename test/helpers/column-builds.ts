import { vi } from 'vitest';
import { SqlColumnSource } from '../../src-main/engine/filter/sql-column-source.js';

/**
 * The keys whose metadata column gets built from now on (SqlColumnSource.column called while it is
 * not cached), in order, until the test restores its mocks.
 */
export function spyOnColumnBuilds(): string[] {
  const built: string[] = [];
  const column = SqlColumnSource.prototype.column;
  vi.spyOn(SqlColumnSource.prototype, 'column').mockImplementation(function (this: SqlColumnSource, key: string) {
    if (!(this as unknown as { columns: Map<string, unknown> }).columns.has(key)) built.push(key);
    return column.call(this, key);
  });
  return built;
}
