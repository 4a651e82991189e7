import type { FormEvent } from 'react';
import { CallProgress } from '../../components/call-progress.js';
import { ErrorState } from '../../components/error-state.js';
import { embeddedNote } from '../text-embed/text-embed-settings.js';
import { TextFunctionPanel } from '../text-embed/text-function-panel.js';
import type { TextEmbeddingControls } from '../text-embed/use-text-embedding.js';

interface Props {
  text: string;
  /** A new text: the vector of the old one no longer stands for it. */
  onText(text: string): void;
  onVector(vector: number[]): void;
  controls: TextEmbeddingControls;
  /** The query has this text's vector (not one from another mode or an older text). */
  hasVector: boolean;
}

/**
 * The query vector from a text, embedded as Chroma embeds `query_texts` for this collection. The
 * text is embedded first and queried as a vector, so the query, "why not?" and the snippets all
 * use the same numbers.
 */
export function TextSource({ text, onText, onVector, controls, hasVector }: Props) {
  const { info, embedder } = controls;
  const running = embedder.state.status === 'loading';
  const blocked = info !== null && !info.ready;

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!text.trim() || running || blocked) return;
    controls.embed(text, (out) => onVector(out.vector));
  };

  return (
    <div className="text-source">
      <TextFunctionPanel controls={controls} />
      <form className="text-query-form" onSubmit={submit}>
        <textarea
          className="code-input text-query-input"
          rows={2}
          placeholder="A text to search for (Enter embeds it, Shift+Enter for a new line)"
          value={text}
          onChange={(e) => {
            embedder.reset();
            onText(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key !== 'Enter' || e.shiftKey) return;
            e.preventDefault();
            submit();
          }}
          data-testid="text-query-input"
        />
        <button type="submit" className="btn btn-sm" disabled={!text.trim() || running || blocked} title={blocked ? (info?.reason ?? undefined) : undefined} data-testid="text-embed-button">
          {running ? 'Embedding…' : 'Embed'}
        </button>
      </form>
      {running && <CallProgress progress={embedder.state.status === 'loading' ? embedder.state.progress : null} onCancel={embedder.cancel} label="Embedding the text…" />}
      {embedder.state.status === 'error' && <ErrorState error={embedder.state.error} title="Could not embed the text" compact />}
      {embedder.state.status === 'success' && hasVector && (
        <div className="muted text-embedded-note" data-testid="text-embedded-note">
          {embeddedNote(embedder.state.value)}
        </div>
      )}
    </div>
  );
}
