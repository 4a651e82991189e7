import { useMemo, useState } from 'react';
import { useWorkspace } from '../../app/workspace-context.js';
import type { CollectionSummary, TenantInfo } from '../../../shared/models.js';
import { formatCount } from '../../components/value/format.js';

/** Sidebar: the folder, then tenants → databases → collections with their record counts. */
export function CollectionTree() {
  const ws = useWorkspace();
  const info = ws.folder?.info;
  const [filter, setFilter] = useState('');
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const tenants = useMemo(() => filterTenants(info?.tenants ?? [], filter), [info, filter]);
  if (!info) return null;

  const toggle = (key: string) =>
    setCollapsed((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const folderName = info.path.split(/[\\/]/).filter(Boolean).pop() ?? info.path;
  const total = ws.collections.length;

  return (
    <div className="tree" data-testid="tree">
      <div className="tree-filter">
        <input className="input input-sm" placeholder="Filter collections" value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="tree-filter" />
      </div>
      <button
        type="button"
        className={`tree-item tree-folder${ws.view === 'overview' ? ' active' : ''}`}
        onClick={() => ws.setView('overview')}
        data-testid="tree-folder"
        title={info.path}
      >
        <span className="tree-icon icon-folder" aria-hidden="true" />
        <span className="tree-label">{folderName}</span>
        <span className="tree-count">{total}</span>
      </button>
      {tenants.length === 0 && <div className="tree-empty muted">{filter ? 'No collection matches' : info.server ? 'No collections in this database' : 'No collections in this folder'}</div>}
      {tenants.map((t) => {
        const tKey = `t:${t.name}`;
        return (
          <div key={tKey} className="tree-group">
            <button type="button" className="tree-item tree-tenant" onClick={() => toggle(tKey)} data-testid={`tree-tenant-${t.name}`} aria-expanded={!collapsed.has(tKey)}>
              <span className="tree-caret">{collapsed.has(tKey) ? '▸' : '▾'}</span>
              <span className="tree-icon icon-tenant" aria-hidden="true" />
              <span className="tree-label">{t.name}</span>
            </button>
            {!collapsed.has(tKey) &&
              t.databases.map((d) => {
                const dKey = `d:${t.name}/${d.name}`;
                return (
                  <div key={dKey} className="tree-group">
                    <button type="button" className="tree-item tree-database" onClick={() => toggle(dKey)} data-testid={`tree-database-${d.name}`} aria-expanded={!collapsed.has(dKey)}>
                      <span className="tree-caret">{collapsed.has(dKey) ? '▸' : '▾'}</span>
                      <span className="tree-icon icon-db" aria-hidden="true" />
                      <span className="tree-label">{d.name}</span>
                      <span className="tree-count">{d.collections.length}</span>
                    </button>
                    {!collapsed.has(dKey) &&
                      d.collections.map((c) => (
                        <CollectionItem key={c.id} c={c} active={c.id === ws.collectionId} onSelect={() => ws.selectCollection(c.id)} />
                      ))}
                  </div>
                );
              })}
          </div>
        );
      })}
    </div>
  );
}

function CollectionItem({ c, active, onSelect }: { c: CollectionSummary; active: boolean; onSelect(): void }) {
  return (
    <button
      type="button"
      className={`tree-item tree-collection${active ? ' active' : ''}`}
      onClick={onSelect}
      data-testid={`tree-collection-${c.name}`}
      data-collection-id={c.id}
      title={`${c.name}\n${c.id}\n${c.count.toLocaleString('en-US')} records${c.dimension ? ` · ${c.dimension}d` : ''}`}
    >
      <span className="tree-icon icon-collection" aria-hidden="true" />
      <span className="tree-label">{c.name}</span>
      <span className="tree-count" data-testid="tree-collection-count">
        {formatCount(c.count)}
      </span>
    </button>
  );
}

export function filterTenants(tenants: TenantInfo[], filter: string): TenantInfo[] {
  const f = filter.trim().toLowerCase();
  if (!f) return tenants;
  return tenants
    .map((t) => ({
      ...t,
      databases: t.databases
        .map((d) => ({ ...d, collections: d.collections.filter((c) => c.name.toLowerCase().includes(f) || c.id.startsWith(f)) }))
        .filter((d) => d.collections.length > 0),
    }))
    .filter((t) => t.databases.length > 0);
}
