import { useEffect, useState } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import type { WhyNotAnswer } from '../../../shared/models.js';
import { CallProgress } from '../../components/call-progress.js';
import { ErrorState } from '../../components/error-state.js';
import { WhyNotCard } from './why-not-card.js';

interface Props {
  /** The query's arguments as the query view would send them; null until it has a vector. */
  args: { queryEmbeddings: number[][]; nResults: number; where?: unknown; whereDocument?: unknown } | null;
}

/**
 * "Why not this record?" for the query on screen: a record id in, the cause out (docs/why-not.md).
 * A record panel's "Why not in my query?" fills the id in (workspace `whyNotId`).
 */
export function WhyNotSection({ args }: Props) {
  const client = useClient();
  const ws = useOpenFolder();
  const collectionId = ws.collection?.id ?? '';
  const [id, setId] = useState(ws.whyNotId ?? '');
  const runner = useRunner<WhyNotAnswer>();
  const unavailable = ws.capabilities.exactQuery;

  const ask = (recordId = id) => {
    if (!args || !recordId.trim()) return;
    void runner.run((signal, onProgress) => client.call('whyNot', { handle: ws.handle, collectionId, args, id: recordId.trim() }, { signal, onProgress }));
  };

  useEffect(() => {
    if (!ws.whyNotId) return;
    setId(ws.whyNotId);
    if (args) ask(ws.whyNotId);
    // Asked from a record panel: answer once the query has its vector.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ws.whyNotId, args === null]);

  return (
    <div className="why-not" data-testid="why-not">
      <div className="query-controls">
        <label className="field-inline" title={unavailable ?? 'A record id that did not come back: why not?'}>
          Why not record
          <input
            className="input input-sm"
            value={id}
            placeholder="record id"
            disabled={Boolean(unavailable)}
            onChange={(e) => setId(e.target.value)}
            onKeyDown={(e) => e.key === 'Enter' && ask()}
            data-testid="why-not-id"
          />
        </label>
        <button type="button" className="btn btn-sm" onClick={() => ask()} disabled={!args || !id.trim() || Boolean(unavailable) || runner.state.status === 'loading'} data-testid="why-not-run">
          Why not?
        </button>
        {unavailable && <span className="muted">{unavailable}</span>}
        {!args && !unavailable && <span className="muted">Pick a record, paste a vector or embed a text first.</span>}
      </div>
      {runner.state.status === 'loading' && <CallProgress progress={runner.state.progress} onCancel={runner.cancel} label="Ranking by exact search…" />}
      {runner.state.status === 'error' && <ErrorState error={runner.state.error} title="Why-not failed" />}
      {runner.state.status === 'success' && <WhyNotCard answer={runner.state.value} />}
    </div>
  );
}
