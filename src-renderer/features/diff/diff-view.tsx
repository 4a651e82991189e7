import { useState } from 'react';
import type { DiffReport } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { CallProgress } from '../../components/call-progress.js';
import { EmptyState } from '../../components/empty-state.js';
import { ErrorState } from '../../components/error-state.js';
import { CollectionDiffCard } from './collection-diff-card.js';

/**
 * The open source (a: a folder or a server) against another folder, a backup zip or a Chroma
 * server URL (b), every collection or the selected one (docs/diff.md). Both are only read.
 */
export function DiffView() {
  const client = useClient();
  const ws = useOpenFolder();
  const [other, setOther] = useState('');
  const [onlyThis, setOnlyThis] = useState(false);
  const [against, setAgainst] = useState('');
  const runner = useRunner<DiffReport>();
  const collection = ws.collection;
  const run = () => {
    if (!other.trim()) return;
    const scope = onlyThis && collection ? { collectionId: collection.id, ...(against.trim() ? { against: against.trim() } : {}) } : {};
    void runner.run((signal, onProgress) => client.call('diff', { handle: ws.handle, other: other.trim(), ...scope }, { signal, onProgress }));
  };
  const r = runner.state.status === 'success' ? runner.state.value : null;
  return (
    <div className="page diff-view" data-testid="diff-view">
      <header className="page-head">
        <div>
          <h2 className="page-title">Diff</h2>
          <div className="page-sub">
            What changed from <span className="mono">{ws.info.path}</span> (a) to another folder, backup or Chroma server (b). Both are only read. With a server on
            either side, one tenant/database per side is compared (a URL&apos;s <span className="mono">?tenant=&amp;database=</span>, or the server&apos;s own), collections by name.
          </div>
        </div>
      </header>
      <div className="diff-form">
        <input
          className="input"
          value={other}
          onChange={(e) => setOther(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && run()}
          placeholder="b: a Chroma folder, a backup .zip (paths on the machine running the engine) or a server URL http(s)://host:port[?tenant=T&database=D]"
          data-testid="diff-other"
        />
        <label className="check">
          <input type="checkbox" checked={onlyThis} disabled={!collection} onChange={(e) => setOnlyThis(e.target.checked)} data-testid="diff-only-this" />
          only {collection ? <code>{collection.name}</code> : 'the selected collection'}
        </label>
        {onlyThis && <input className="input input-sm" value={against} onChange={(e) => setAgainst(e.target.value)} placeholder="against (collection in b; default the same name)" data-testid="diff-against" />}
        <button type="button" className="btn btn-primary btn-sm" onClick={run} disabled={!other.trim() || runner.state.status === 'loading'} data-testid="diff-run">
          Compare
        </button>
      </div>
      {runner.state.status === 'idle' && <EmptyState title="Compare with another snapshot">Ids added and removed, documents, metadata and embedding drift, and collection settings.</EmptyState>}
      {runner.state.status === 'loading' && <CallProgress progress={runner.state.progress} onCancel={runner.cancel} label="Comparing…" />}
      {runner.state.status === 'error' && <ErrorState error={runner.state.error} title="Diff failed" />}
      {r && (
        <div className="diff-body" data-testid="diff-report">
          {r.added.map((c) => (
            <div key={`+${c.tenant}/${c.database}/${c.name}`} className="diff-line diff-plus" data-testid="diff-collection-added">
              + collection {c.tenant}/{c.database}/{c.name} (only in b)
            </div>
          ))}
          {r.removed.map((c) => (
            <div key={`-${c.tenant}/${c.database}/${c.name}`} className="diff-line diff-minus" data-testid="diff-collection-removed">
              − collection {c.tenant}/{c.database}/{c.name} (only in a)
            </div>
          ))}
          {r.collections.map((c) => (
            <CollectionDiffCard key={`${c.tenant}/${c.database}/${c.name}`} diff={c} />
          ))}
        </div>
      )}
    </div>
  );
}
