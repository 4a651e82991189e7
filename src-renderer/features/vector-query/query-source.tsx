import { useEffect } from 'react';
import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { toInspectorError } from '../../client/async-state.js';
import { formatVectorPreview } from '../../components/value/format.js';
import { useTextEmbedding } from '../text-embed/use-text-embedding.js';
import { parseVector } from './parse-vector.js';
import { TextSource } from './text-source.js';

export interface SourceState {
  mode: 'record' | 'vector' | 'text';
  recordId: string;
  pasted: string;
  /** Query by text: the text whose embedding is `vector` once embedded. */
  text: string;
  vector: number[] | null;
  error: string | null;
}

/** Where the query vector comes from: a record's own embedding (`recordDetail`), pasted JSON, or a text embedded here. */
export function QuerySource({ source, onChange, dimension }: { source: SourceState; onChange(s: SourceState): void; dimension: number | null }) {
  const client = useClient();
  const ws = useOpenFolder();
  const loader = useRunner<number[] | null>();
  // Held here, not in TextSource, so a key or a model choice survives a switch to another mode.
  const text = useTextEmbedding(source.mode === 'text');

  const load = (id: string) => {
    if (!id.trim()) return;
    void loader.run(async (signal) => {
      try {
        const r = await client.call('recordDetail', { handle: ws.handle, collectionId: ws.collection?.id ?? '', id: id.trim() }, { signal });
        onChange({ ...source, recordId: id, vector: r.embedding, error: r.embedding ? null : 'This record has no embedding' });
        return r.embedding;
      } catch (err) {
        onChange({ ...source, recordId: id, vector: null, error: `${toInspectorError(err).code}: ${toInspectorError(err).message}` });
        throw err;
      }
    });
  };

  // Seeded from "Find similar": load right away.
  useEffect(() => {
    if (source.mode === 'record' && source.recordId && !source.vector && !source.error) load(source.recordId);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source.recordId, source.mode]);

  return (
    <div className="query-source">
      <div className="seg-toggle">
        <button type="button" className={source.mode === 'record' ? 'on' : ''} onClick={() => onChange({ ...source, mode: 'record', vector: null, error: null })} data-testid="query-mode-record">
          Record's embedding
        </button>
        <button type="button" className={source.mode === 'vector' ? 'on' : ''} onClick={() => onChange({ ...source, mode: 'vector', vector: null, error: null })} data-testid="query-mode-vector">
          Paste a vector
        </button>
        <button type="button" className={source.mode === 'text' ? 'on' : ''} onClick={() => onChange({ ...source, mode: 'text', vector: null, error: null })} data-testid="query-mode-text">
          Text
        </button>
      </div>
      {source.mode === 'text' ? (
        <TextSource
          text={source.text}
          onText={(t) => onChange({ ...source, text: t, vector: null, error: null })}
          onVector={(vector) => onChange({ ...source, vector, error: null })}
          controls={text}
          hasVector={source.vector !== null}
        />
      ) : source.mode === 'record' ? (
        <form
          className="toolbar-form"
          onSubmit={(e) => {
            e.preventDefault();
            load(source.recordId);
          }}
        >
          <input
            className="input input-sm"
            placeholder="Record id"
            value={source.recordId}
            onChange={(e) => onChange({ ...source, recordId: e.target.value, vector: null, error: null })}
            spellCheck={false}
            data-testid="query-record-id"
          />
          <button type="submit" className="btn btn-sm" disabled={!source.recordId.trim()} data-testid="query-load-record">
            {loader.state.status === 'loading' ? 'Loading…' : 'Use embedding'}
          </button>
        </form>
      ) : (
        <textarea
          className="code-input"
          rows={3}
          placeholder={`[0.1, 0.2, …]${dimension ? ` (${dimension} numbers)` : ''}`}
          value={source.pasted}
          onChange={(e) => {
            const parsed = parseVector(e.target.value, dimension);
            onChange({ ...source, pasted: e.target.value, vector: parsed.ok ? parsed.vector : null, error: parsed.ok || !e.target.value.trim() ? null : parsed.error });
          }}
          spellCheck={false}
          data-testid="query-vector-input"
        />
      )}
      <div className="query-vector-state" data-testid="query-vector-state">
        {source.error ? (
          <span className="sev-error">{source.error}</span>
        ) : source.vector ? (
          <span className="mono">{formatVectorPreview(source.vector, source.vector.length, 6)}</span>
        ) : (
          <span className="muted">No vector yet</span>
        )}
      </div>
    </div>
  );
}
