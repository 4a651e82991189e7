import { useWorkspace } from './workspace-context.js';
import { VIEWS, shortcutLabel } from './views.js';

export function ViewTabs() {
  const ws = useWorkspace();
  return (
    <nav className="tabs" role="tablist" aria-label="Views">
      {VIEWS.map((v) => {
        const disabled = v.needsCollection && !ws.collection;
        return (
          <button
            key={v.id}
            type="button"
            role="tab"
            aria-selected={ws.view === v.id}
            className={`tab${ws.view === v.id ? ' active' : ''}`}
            data-testid={`view-${v.id}`}
            disabled={disabled}
            title={`${v.description} (${shortcutLabel(v)})`}
            onClick={() => ws.setView(v.id)}
          >
            {v.label}
          </button>
        );
      })}
      <span className="tabs-spacer" />
      {ws.collection && (
        <span className="tabs-context" title={ws.collection.id}>
          {ws.collection.tenant}/{ws.collection.database}/<b>{ws.collection.name}</b>
        </span>
      )}
    </nav>
  );
}
