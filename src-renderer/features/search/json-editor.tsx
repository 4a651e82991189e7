interface Props {
  label: string;
  value: string;
  onChange(text: string): void;
  note: string | null;
  jsonError: boolean;
  testId: string;
  placeholder: string;
  onRun?(): void;
}

/** The filter as JSON, editable; the builder follows whenever the text is something it can show. */
export function JsonEditor({ label, value, onChange, note, jsonError, testId, placeholder, onRun }: Props) {
  return (
    <div className="json-editor">
      <div className="json-editor-label">{label}</div>
      <textarea
        className={`code-input${note ? (jsonError ? ' invalid' : ' warn') : ''}`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && onRun) {
            e.preventDefault();
            onRun();
          }
        }}
        placeholder={placeholder}
        spellCheck={false}
        rows={Math.min(12, Math.max(3, value.split('\n').length))}
        data-testid={testId}
        aria-label={label}
      />
      {note && (
        <div className={`json-note ${jsonError ? 'sev-error' : 'sev-warn'}`} data-testid={`${testId}-note`}>
          {jsonError ? `Invalid JSON: ${note}` : `Not shown in the builder (${note}); Run sends the JSON as typed.`}
        </div>
      )}
    </div>
  );
}
