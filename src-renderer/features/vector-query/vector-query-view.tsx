import { useEffect, useMemo, useState } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { useMetadataKeys } from '../records/use-metadata-keys.js';
import type { Problem, QueryResult, RecordRow } from '../../../shared/models.js';
import { ProblemList } from '../../components/problem-list.js';
import { CallProgress } from '../../components/call-progress.js';
import { ErrorState } from '../../components/error-state.js';
import { EmptyState } from '../../components/empty-state.js';
import { VirtualGrid } from '../../components/virtual-grid/virtual-grid.js';
import type { FetchPage } from '../../components/virtual-grid/grid-types.js';
import { recordColumns } from '../records/record-columns.js';
import { RecordDetailPanel } from '../records/record-detail-panel.js';
import { FilterPanel } from '../search/filter-panel.js';
import { SnippetTabs } from '../search/snippet-tabs.js';
import { useFilterEditor } from '../search/use-filter-editor.js';
import { jsQuerySnippet, pythonQuerySnippet } from '../search/code-snippets.js';
import { countConditions } from '../search/filter-model.js';
import { QuerySource, type SourceState } from './query-source.js';
import { queryRows } from './query-results.js';
import { WhyNotSection } from './why-not-section.js';

/** Nearest neighbours of a record's embedding, a pasted vector or an embedded text, optionally filtered. */
export function VectorQueryView() {
  const client = useClient();
  const ws = useOpenFolder();
  const collection = ws.collection;
  const collectionId = collection?.id ?? '';
  const [source, setSource] = useState<SourceState>({ mode: 'record', recordId: ws.queryId ?? '', pasted: '', text: '', vector: null, error: null });
  const [k, setK] = useState(10);
  // Chroma answers through its HNSW index; the exact answer shows what the index misses.
  const [exact, setExact] = useState(false);
  const [showFilter, setShowFilter] = useState(false);
  const [detail, setDetail] = useState<RecordRow | null>(null);
  const editor = useFilterEditor();
  const runner = useRunner<{ rows: RecordRow[]; n: number; warnings: Problem[] }>();
  const { keys: keyList, types } = useMetadataKeys(ws.handle, collectionId, ws.revision);

  useEffect(() => {
    if (ws.queryId) setSource((s) => ({ ...s, mode: 'record', recordId: ws.queryId ?? '', vector: null, error: null }));
  }, [ws.queryId]);

  const filter = editor.resolved;
  const filterActive = countConditions(editor.where.group) + countConditions(editor.doc.group) > 0 || editor.where.text.trim() !== '' || editor.doc.text.trim() !== '';
  const canRun = source.vector !== null && k >= 1 && (!filterActive || filter.ok);

  const run = () => {
    const vector = source.vector;
    if (!vector || !canRun) return;
    const where = filter.ok ? (filter.where ?? undefined) : undefined;
    const whereDocument = filter.ok ? (filter.whereDocument ?? undefined) : undefined;
    void runner.run(async (signal, onProgress) => {
      const result: QueryResult = await client.call(
        'query',
        {
          handle: ws.handle,
          collectionId,
          args: { queryEmbeddings: [vector], nResults: k, where, whereDocument, include: ['documents', 'metadatas', 'distances'] },
          exact: exact && !ws.capabilities.exactQuery,
        },
        { signal, onProgress },
      );
      return { rows: queryRows(result), n: Date.now(), warnings: result.warnings ?? [] };
    });
  };

  const columns = useMemo(() => recordColumns({ keys: keyList, dimension: collection?.dimension ?? null, withDistance: true, sortable: false }), [keyList, collection?.dimension]);
  const result = runner.state.status === 'success' ? runner.state.value : null;
  const fetchPage: FetchPage<RecordRow> = useMemo(
    () => async (offset, limit) => ({ rows: result?.rows.slice(offset, offset + limit) ?? [], total: result?.rows.length ?? 0 }),
    [result],
  );
  // The query as "why not?" asks it: the same vector, k and filter as the Query button sends.
  const whyNotArgs = useMemo(
    () =>
      source.vector && (!filterActive || filter.ok)
        ? { queryEmbeddings: [source.vector], nResults: k, where: filter.ok ? (filter.where ?? undefined) : undefined, whereDocument: filter.ok ? (filter.whereDocument ?? undefined) : undefined }
        : null,
    [source.vector, k, filter, filterActive],
  );
  const snippet = {
    embedding: source.vector ?? [],
    nResults: k,
    where: filter.ok ? filter.whereJson : undefined,
    whereDocument: filter.ok ? filter.docJson : undefined,
    ...(source.mode === 'text' ? { text: source.text } : {}),
  };

  return (
    <div className="view-fill query-view" data-testid="query-view">
      <div className="query-top">
        <QuerySource source={source} onChange={setSource} dimension={collection?.dimension ?? null} />
        <div className="query-controls">
          <label className="field-inline">
            k (n_results)
            <input className="input input-sm num-input" type="number" min={1} max={10000} value={k} onChange={(e) => setK(Math.max(1, Number(e.target.value) || 1))} data-testid="query-k" />
          </label>
          <label
            className="field-inline"
            title={ws.capabilities.exactQuery ?? "Off: Chroma's answer, through its HNSW index. On: the true nearest neighbours (brute force), to see what the index misses."}
          >
            <input type="checkbox" checked={exact && !ws.capabilities.exactQuery} disabled={Boolean(ws.capabilities.exactQuery)} onChange={(e) => setExact(e.target.checked)} data-testid="query-exact" />
            exact (not through the index)
          </label>
          <button type="button" className="btn btn-xs" onClick={() => setShowFilter((s) => !s)} aria-expanded={showFilter} data-testid="query-toggle-filter">
            {showFilter ? '▾' : '▸'} Filter {filterActive && <span className="badge badge-accent">on</span>}
          </button>
          <span className="spacer" />
          {filterActive && !filter.ok && <span className="sev-error">{filter.error}</span>}
          <button type="button" className="btn btn-primary btn-sm" onClick={run} disabled={!canRun || runner.state.status === 'loading'} data-testid="query-run">
            Query
          </button>
        </div>
        {showFilter && <FilterPanel editor={editor} keys={keyList} onRun={run} />}
        {source.vector && <SnippetTabs python={pythonQuerySnippet(snippet)} js={jsQuerySnippet(snippet)} />}
      </div>
      <WhyNotSection args={whyNotArgs} />
      {runner.state.status === 'loading' && <CallProgress progress={runner.state.progress} onCancel={runner.cancel} label="Searching…" />}
      {runner.state.status === 'error' && <ErrorState error={runner.state.error} title="Query failed" />}
      {result && result.warnings.length > 0 && (
        // The engine answered from the sound vectors only: the answer may be partial, and says why.
        <div className="banner banner-warning" role="alert" data-testid="query-warnings">
          <strong>
            {result.warnings.some((w) => w.code.startsWith('vectors.'))
              ? 'This answer is partial: some records have no usable vector.'
              : "This collection's vector index has problems."}
          </strong>
          <ProblemList problems={result.warnings} />
        </div>
      )}
      {result ? (
        <div className="grid-with-panel">
          <VirtualGrid name="query" columns={columns} fetchPage={fetchPage} resetKey={String(result.n)} onRowActivate={(row) => setDetail(row)} empty="No neighbours (the filter matched nothing?)" />
          {detail && (
            <RecordDetailPanel
              key={detail.id}
              row={detail}
              types={types}
              onClose={() => setDetail(null)}
              onWalHistory={ws.capabilities.storage ? undefined : (id) => ws.dispatch({ type: 'walFilter', filter: { id, collectionId } })}
              onSimilar={(id) => setSource((s) => ({ ...s, mode: 'record', recordId: id, vector: null, error: null }))}
              onWhyNot={ws.capabilities.exactQuery ? undefined : (id) => ws.dispatch({ type: 'whyNot', id })}
              onDeleted={() => setDetail(null)}
            />
          )}
        </div>
      ) : (
        runner.state.status === 'idle' && <EmptyState title="Pick a record, paste a vector or embed a text, then Query">Distances use the collection's space ({'l2 / ip / cosine'}).</EmptyState>
      )}
    </div>
  );
}
