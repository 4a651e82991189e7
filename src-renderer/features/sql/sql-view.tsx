import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { VirtualGrid } from '../../components/virtual-grid/virtual-grid.js';
import type { FetchPage, GridColumn } from '../../components/virtual-grid/grid-types.js';
import { EmptyState } from '../../components/empty-state.js';
import { SqlCell } from './sql-cell.js';
import { SQL_EXAMPLES } from './sql-examples.js';
import { sizeColumns, type SqlColumn } from './size-columns.js';

const KEY = 'chroma-inspector.sql';

interface Run {
  sql: string;
  n: number;
}

/**
 * A read-only SQL console on chroma.sqlite3 (the engine refuses writes). Ctrl/Cmd+Enter runs;
 * results stream into the virtual grid page by page.
 */
export function SqlView() {
  const client = useClient();
  const ws = useOpenFolder();
  const [text, setText] = useState(() => safeGet() ?? SQL_EXAMPLES[0]!.sql);
  const [run, setRun] = useState<Run | null>(null);
  const [columns, setColumns] = useState<SqlColumn[]>([]);
  const columnsRef = useRef<string[]>([]);

  const start = () => {
    const sql = text.trim();
    if (!sql) return;
    try {
      localStorage.setItem(KEY, text);
    } catch {
      // not persisted
    }
    setColumns([]);
    columnsRef.current = [];
    setRun((r) => ({ sql, n: (r?.n ?? 0) + 1 }));
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      start();
    }
  };

  const fetchPage: FetchPage<unknown[]> = useCallback(
    async (offset, limit, signal) => {
      if (!run) return { rows: [], total: 0 };
      const r = await client.call('sql', { handle: ws.handle, sql: run.sql, offset, limit }, { signal });
      if (r.columns.join('\u0000') !== columnsRef.current.join('\u0000')) {
        columnsRef.current = r.columns;
        setColumns(sizeColumns(r.columns, r.rows));
      }
      return { rows: r.rows, total: offset + r.rows.length + (r.truncated ? 1 : 0), totalExact: !r.truncated };
    },
    [client, ws.handle, run],
  );
  const gridColumns: GridColumn<unknown[]>[] = useMemo(
    () => columns.map(({ name, size }, i) => ({ id: `c${i}`, header: name, headerTitle: name, size, cell: (row) => <SqlCell value={row[i]} /> })),
    [columns],
  );

  return (
    <div className="view-fill sql-view" data-testid="sql-view">
      <div className="sql-editor">
        <textarea
          className="code-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          spellCheck={false}
          rows={5}
          data-testid="sql-input"
          aria-label="SQL"
        />
        <div className="sql-actions">
          <button type="button" className="btn btn-primary" onClick={start} data-testid="sql-run">
            Run <kbd>Ctrl+Enter</kbd>
          </button>
          <select
            className="input input-sm"
            value=""
            onChange={(e) => {
              const ex = SQL_EXAMPLES.find((x) => x.label === e.target.value);
              if (ex) setText(ex.sql);
            }}
            aria-label="Examples"
            data-testid="sql-examples"
          >
            <option value="">Examples…</option>
            {SQL_EXAMPLES.map((x) => (
              <option key={x.label} value={x.label}>
                {x.label}
              </option>
            ))}
          </select>
          <span className="muted">Read-only: the database is opened read-only, statements that write are refused.</span>
        </div>
      </div>
      {run ? (
        <VirtualGrid
          key={run.n}
          name="sql"
          columns={gridColumns}
          fetchPage={fetchPage}
          resetKey={`${run.n}`}
          empty="The statement returned no rows"
        />
      ) : (
        <EmptyState title="Write a query and press Ctrl+Enter">Results appear here, paged as you scroll.</EmptyState>
      )}
    </div>
  );
}

function safeGet(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}
