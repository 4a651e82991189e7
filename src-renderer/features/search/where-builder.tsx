import type { MetadataKeyInfo } from '../../../shared/contract.js';
import {
  LIST_OPS,
  VALUE_TYPES,
  appendChild,
  emptyGroup,
  newWhereCondition,
  opsForType,
  removeNode,
  updateNode,
  type ValueType,
  type WhereCondition,
  type WhereGroup,
  type WhereOp,
} from './filter-model.js';
import { GroupEditor } from './group-editor.js';

interface Props {
  value: WhereGroup;
  onChange(next: WhereGroup): void;
  errors: Map<string, string>;
  keys: MetadataKeyInfo[];
}

/** Typed metadata conditions: key, operator, value type, value; nested $and/$or groups. */
export function WhereBuilder({ value, onChange, errors, keys }: Props) {
  const update = (id: string, patch: Partial<WhereCondition>) =>
    onChange(updateNode(value, id, (n) => (n.kind === 'cond' ? { ...n, ...patch } : n)));
  const firstType = (key: string): ValueType | undefined => {
    const info = keys.find((k) => k.key === key);
    const t = info?.types.find((x): x is ValueType => (VALUE_TYPES as readonly string[]).includes(x));
    return info?.types.includes('array') && !t ? 'string' : t;
  };

  return (
    <>
      <datalist id="where-keys">
        {keys.map((k) => (
          <option key={k.key} value={k.key}>
            {k.types.join(' | ')}
          </option>
        ))}
      </datalist>
      <GroupEditor<WhereCondition>
        group={value}
        root
        testId="where-builder"
        onOp={(id, op) => onChange(updateNode(value, id, (g) => (g.kind === 'group' ? { ...g, op } : g)))}
        onAddCondition={(id) => onChange(appendChild(value, id, newWhereCondition({ key: keys[0]?.key ?? '', type: firstType(keys[0]?.key ?? '') ?? 'string' })))}
        onAddGroup={(id) => onChange(appendChild(value, id, { ...emptyGroup<WhereCondition>('$or'), children: [newWhereCondition(), newWhereCondition()] }))}
        onRemove={(id) => onChange(removeNode(value, id))}
        renderCondition={(c) => {
          const error = errors.get(c.id);
          const typical = opsForType(c.type);
          const ops = typical.includes(c.op) ? typical : [c.op, ...typical];
          return (
            <div className={`fcond${error ? ' invalid' : ''}`} data-testid="where-condition" title={error}>
              <input
                className="input input-sm fcond-key"
                list="where-keys"
                placeholder="key"
                value={c.key}
                onChange={(e) => {
                  const t = firstType(e.target.value);
                  update(c.id, t ? { key: e.target.value, type: t, op: opsForType(t).includes(c.op) ? c.op : '$eq' } : { key: e.target.value });
                }}
                spellCheck={false}
                data-testid="where-key"
                aria-label="Metadata key"
              />
              <select className="input input-sm" value={c.op} onChange={(e) => update(c.id, { op: e.target.value as WhereOp })} data-testid="where-op" aria-label="Operator">
                {ops.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
              <select
                className="input input-sm"
                value={c.type}
                onChange={(e) => {
                  const type = e.target.value as ValueType;
                  update(c.id, { type, op: opsForType(type).includes(c.op) ? c.op : '$eq', value: type === 'bool' && !LIST_OPS.has(c.op) ? 'true' : c.value });
                }}
                data-testid="where-type"
                aria-label="Value type"
              >
                {VALUE_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              {c.type === 'bool' && !LIST_OPS.has(c.op) ? (
                <select className="input input-sm fcond-value" value={c.value} onChange={(e) => update(c.id, { value: e.target.value })} data-testid="where-value" aria-label="Value">
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  className="input input-sm fcond-value"
                  placeholder={LIST_OPS.has(c.op) ? 'a, b, c' : c.type === 'string' ? 'text' : '0'}
                  value={c.value}
                  onChange={(e) => update(c.id, { value: e.target.value })}
                  spellCheck={false}
                  data-testid="where-value"
                  aria-label="Value"
                  inputMode={c.type === 'int' || c.type === 'float' ? 'decimal' : undefined}
                />
              )}
              <button type="button" className="btn btn-icon btn-ghost" onClick={() => onChange(removeNode(value, c.id))} aria-label="Remove condition" data-testid="where-remove">
                ×
              </button>
              {error && <span className="fcond-error" data-testid="where-condition-error">{error}</span>}
            </div>
          );
        }}
      />
    </>
  );
}
