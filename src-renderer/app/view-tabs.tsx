import { useWorkspace } from './workspace-context.js';
import { VIEWS, shortcutLabel } from './views.js';
import { viewUnavailable } from './source-capabilities.js';

export function ViewTabs() {
  const ws = useWorkspace();
  return (
    <nav className="tabs" role="tablist" aria-label="Views">
      {VIEWS.map((v) => {
        // Folder-only views stay reachable on a server source: they say why they are absent.
        const absent = viewUnavailable(ws.capabilities, v.id);
        const disabled = !absent && v.needsCollection && !ws.collection;
        return (
          <button
            key={v.id}
            type="button"
            role="tab"
            aria-selected={ws.view === v.id}
            className={`tab${ws.view === v.id ? ' active' : ''}${absent ? ' unavailable' : ''}`}
            data-testid={`view-${v.id}`}
            data-unavailable={absent ? 'true' : undefined}
            disabled={disabled}
            title={absent ?? `${v.description} (${shortcutLabel(v)})`}
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
