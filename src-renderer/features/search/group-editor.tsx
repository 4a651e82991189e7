import type { ReactNode } from 'react';
import { isGroup, type Group, type GroupOp } from './filter-model.js';

interface Props<C extends { id: string; kind: 'cond' }> {
  group: Group<C>;
  root?: boolean;
  depth?: number;
  testId: string;
  renderCondition(c: C): ReactNode;
  onOp(groupId: string, op: GroupOp): void;
  onAddCondition(groupId: string): void;
  onAddGroup(groupId: string): void;
  onRemove(id: string): void;
}

/** A $and / $or group: toggle, its children (conditions and nested groups), add buttons. */
export function GroupEditor<C extends { id: string; kind: 'cond' }>(props: Props<C>) {
  const { group, root, depth = 0, testId } = props;
  return (
    <div className={`fgroup${root ? ' root' : ''} depth-${depth % 4}`} data-testid={root ? testId : `${testId}-group`}>
      <div className="fgroup-head">
        <div className="seg-toggle" role="group" aria-label="Combine with">
          {(['$and', '$or'] as const).map((op) => (
            <button
              key={op}
              type="button"
              className={group.op === op ? 'on' : ''}
              onClick={() => props.onOp(group.id, op)}
              data-testid={`${testId}-op-${op.slice(1)}`}
              title={op === '$and' ? 'All conditions must hold' : 'Any condition may hold'}
            >
              {op === '$and' ? 'AND' : 'OR'}
            </button>
          ))}
        </div>
        <button type="button" className="btn btn-xs" onClick={() => props.onAddCondition(group.id)} data-testid={`${testId}-add-condition`}>
          + condition
        </button>
        <button type="button" className="btn btn-xs" onClick={() => props.onAddGroup(group.id)} data-testid={`${testId}-add-group`}>
          + group
        </button>
        {!root && (
          <button type="button" className="btn btn-xs btn-ghost" onClick={() => props.onRemove(group.id)} aria-label="Remove group">
            remove group
          </button>
        )}
      </div>
      {group.children.length === 0 && <div className="fgroup-empty muted">{root ? 'No condition: everything matches.' : 'Empty group (ignored)'}</div>}
      <div className="fgroup-children">
        {group.children.map((child) =>
          isGroup(child) ? (
            <GroupEditor key={child.id} {...props} group={child} root={false} depth={depth + 1} />
          ) : (
            <div key={child.id} className="fcond-wrap">
              {props.renderCondition(child)}
            </div>
          ),
        )}
      </div>
    </div>
  );
}
