import { useId, type ReactNode } from 'react';

/** A labelled row of a card's form; the label column lines up across rows (`.form-rows`). */
export function Field({ label, hint, children }: { label: string; hint?: ReactNode; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="form-row">
      <label className="form-label" htmlFor={id}>
        {label}
      </label>
      <div className="form-control">
        {children(id)}
        {hint && <div className="form-hint">{hint}</div>}
      </div>
    </div>
  );
}

/** A path text field: monospace, full width, no spellcheck. */
export function PathInput({ id, value, onChange, testId, placeholder, disabled }: { id: string; value: string; onChange(v: string): void; testId: string; placeholder?: string; disabled?: boolean }) {
  return (
    <input
      id={id}
      className="input path-input"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      spellCheck={false}
      autoComplete="off"
      placeholder={placeholder}
      disabled={disabled}
      data-testid={testId}
    />
  );
}

/** Shown under a path the user edited: back to the derived default. */
export function ResetLink({ onClick }: { onClick(): void }) {
  return (
    <button type="button" className="link-btn" onClick={onClick}>
      Use the default path
    </button>
  );
}

/**
 * A path field whose default is derived (useSuggested): once the user edits it, the hint offers
 * the default back; until then it shows `hint`.
 */
export function SuggestedPathField({
  label,
  path,
  testId,
  placeholder,
  disabled,
  hint,
}: {
  label: string;
  path: { value: string; edited: boolean; set(text: string): void; reset(): void };
  testId: string;
  placeholder?: string;
  disabled?: boolean;
  hint?: ReactNode;
}) {
  return (
    <Field label={label} hint={path.edited ? <ResetLink onClick={path.reset} /> : hint}>
      {(id) => <PathInput id={id} value={path.value} onChange={path.set} testId={testId} placeholder={placeholder} disabled={disabled} />}
    </Field>
  );
}
