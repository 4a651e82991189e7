import { useState } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { toInspectorError } from '../../client/async-state.js';
import { RecordsGrid, type RecordsFilter } from '../records/records-grid.js';
import { useMetadataKeys } from '../records/use-metadata-keys.js';
import { EmptyState } from '../../components/empty-state.js';
import { FilterPanel } from './filter-panel.js';
import { SnippetTabs } from './snippet-tabs.js';
import { countConditions } from './filter-model.js';
import { jsGetSnippet, pythonGetSnippet } from './code-snippets.js';
import { useFilterEditor } from './use-filter-editor.js';

/** Build a where / where_document filter (or type it as JSON), see the client code, run it. */
export function SearchView() {
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const editor = useFilterEditor();
  const [applied, setApplied] = useState<{ filter: RecordsFilter; n: number } | null>(null);
  const [engineError, setEngineError] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState(false);
  const { keys: keyList } = useMetadataKeys(ws.handle, collectionId, ws.revision);
  const r = editor.resolved;

  const run = () => {
    if (!r.ok) return;
    setEngineError(null);
    setApplied((a) => ({ filter: { where: r.where, whereDocument: r.whereDocument }, n: (a?.n ?? 0) + 1 }));
  };
  const snippetInput = r.ok ? { where: r.whereJson, whereDocument: r.docJson } : {};
  const conditions = countConditions(editor.where.group) + countConditions(editor.doc.group);

  return (
    <div className="view-fill search-view" data-testid="search-view">
      <div className={`search-top${collapsed ? ' collapsed' : ''}`}>
        <div className="search-bar">
          <button type="button" className="btn btn-xs btn-ghost" onClick={() => setCollapsed((c) => !c)} aria-expanded={!collapsed}>
            {collapsed ? '▸' : '▾'} Filter
          </button>
          <span className="muted">{conditions === 0 ? 'no condition' : `${conditions} condition${conditions > 1 ? 's' : ''}`}</span>
          <span className="spacer" />
          {!r.ok && (
            <span className="sev-error search-invalid" data-testid="search-invalid">
              {r.error}
            </span>
          )}
          <button type="button" className="btn btn-xs" onClick={editor.reset} data-testid="search-reset">
            Reset
          </button>
          <button type="button" className="btn btn-primary btn-sm" onClick={run} disabled={!r.ok} data-testid="search-run" title="Run (Ctrl+Enter in a JSON field)">
            Run
          </button>
        </div>
        {!collapsed && (
          <div className="search-body">
            <FilterPanel editor={editor} keys={keyList} onRun={run} aside={<SnippetTabs python={pythonGetSnippet(snippetInput)} js={jsGetSnippet(snippetInput)} />} />
          </div>
        )}
        {engineError && (
          <div className="inline-error" role="alert" data-testid="search-error">
            <code className="error-code">INVALID_ARGUMENT</code> {engineError}
          </div>
        )}
      </div>
      {applied ? (
        <RecordsGrid
          key={applied.n}
          name="search"
          filter={applied.filter}
          empty="No record matches this filter"
          onError={(err) => {
            const e = toInspectorError(err);
            if (e.code === 'INVALID_ARGUMENT') setEngineError(e.message);
          }}
        />
      ) : (
        <EmptyState title="Build a filter, then Run">
          Results show here in the records grid. An empty filter returns every record, like <code>collection.get()</code>.
        </EmptyState>
      )}
    </div>
  );
}
