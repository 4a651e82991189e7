import { DOC_OPS, appendChild, emptyGroup, newDocCondition, removeNode, updateNode, type DocCondition, type DocGroup, type DocOp } from './filter-model.js';
import { GroupEditor } from './group-editor.js';

interface Props {
  value: DocGroup;
  onChange(next: DocGroup): void;
  errors: Map<string, string>;
}

/** Document-text conditions ($contains, $not_contains, $regex, $not_regex) in $and/$or groups. */
export function DocumentBuilder({ value, onChange, errors }: Props) {
  const update = (id: string, patch: Partial<DocCondition>) => onChange(updateNode(value, id, (n) => (n.kind === 'cond' ? { ...n, ...patch } : n)));
  return (
    <GroupEditor<DocCondition>
      group={value}
      root
      testId="document-builder"
      onOp={(id, op) => onChange(updateNode(value, id, (g) => (g.kind === 'group' ? { ...g, op } : g)))}
      onAddCondition={(id) => onChange(appendChild(value, id, newDocCondition()))}
      onAddGroup={(id) => onChange(appendChild(value, id, { ...emptyGroup<DocCondition>('$or'), children: [newDocCondition(), newDocCondition()] }))}
      onRemove={(id) => onChange(removeNode(value, id))}
      renderCondition={(c) => {
        const error = errors.get(c.id);
        return (
          <div className={`fcond${error ? ' invalid' : ''}`} data-testid="document-condition" title={error}>
            <select className="input input-sm" value={c.op} onChange={(e) => update(c.id, { op: e.target.value as DocOp })} data-testid="document-op" aria-label="Operator">
              {DOC_OPS.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
            <input
              className={`input input-sm fcond-value${c.op.endsWith('regex') ? ' mono' : ''}`}
              placeholder={c.op.endsWith('regex') ? 'pattern (Rust regex syntax)' : 'text (case-sensitive)'}
              value={c.value}
              onChange={(e) => update(c.id, { value: e.target.value })}
              spellCheck={false}
              data-testid="document-value"
              aria-label="Text"
            />
            <button type="button" className="btn btn-icon btn-ghost" onClick={() => onChange(removeNode(value, c.id))} aria-label="Remove condition">
              ×
            </button>
            {error && <span className="fcond-error">{error}</span>}
          </div>
        );
      }}
    />
  );
}
