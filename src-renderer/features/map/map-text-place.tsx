import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../components/error-state.js';
import { CallProgress } from '../../components/call-progress.js';
import { TextFunctionPanel } from '../text-embed/text-function-panel.js';
import { useTextEmbedding } from '../text-embed/use-text-embedding.js';

/**
 * "Place a text" in the map's toolbar: the text embedded as the collection's `query_texts` would
 * be, then placed like a pasted vector. How it is embedded (and the choices that make it run)
 * opens below the field only when it cannot run as recorded, or on a click of the model name.
 */
interface Props {
  disabled: boolean;
  /** `label` names what was placed, for the line under the map. */
  onVector(vector: number[], label: string): void;
}

export function MapTextPlace({ disabled, onVector }: Props) {
  const controls = useTextEmbedding(true);
  const { info, embedder } = controls;
  const [text, setText] = useState('');
  const [details, setDetails] = useState(false);
  const running = embedder.state.status === 'loading';
  const blocked = info !== null && !info.ready;
  // A model download reports progress: show it (with Cancel) rather than a silent wait.
  const progress = embedder.state.status === 'loading' ? embedder.state.progress : null;
  const open = details || (text.trim() !== '' && blocked) || embedder.state.status === 'error' || progress !== null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = text.trim();
    if (!t || running || blocked || disabled) return;
    controls.embed(t, (out) => onVector(out.vector, `“${t.length > 60 ? `${t.slice(0, 60)}…` : t}”`));
  };

  return (
    <form className="map-text-place" onSubmit={submit}>
      <input className="input input-sm map-text" value={text} onChange={(e) => setText(e.target.value)} placeholder="a text to place" data-testid="map-text" />
      <button type="submit" className="btn btn-xs" disabled={!text.trim() || running || blocked || disabled} data-testid="map-place-text">
        {running ? 'Embedding…' : 'Place text'}
      </button>
      <button type="button" className="link-btn map-text-model" onClick={() => setDetails((d) => !d)} aria-expanded={open} title="How the text is embedded" data-testid="map-text-model">
        {info ? (info.model ?? 'no text model') : '…'}
      </button>
      {open && (
        <div className="map-text-panel" data-testid="map-text-panel">
          <TextFunctionPanel controls={controls} />
          {running && <CallProgress progress={progress} onCancel={embedder.cancel} label="Embedding the text…" />}
          {embedder.state.status === 'error' && <ErrorState error={embedder.state.error} title="Could not embed the text" compact />}
        </div>
      )}
    </form>
  );
}
