import { useMemo } from 'react';
import { useWorkspace } from './workspace-context.js';
import { collectionLabel } from './workspace-state.js';
import { VIEWS, shortcutLabel } from './views.js';
import type { Command } from '../components/command-palette/command-palette.js';
import { hasNativePicker, pickFolderNative } from '../client/electron-port.js';
import { viewUnavailable } from './source-capabilities.js';
import { serverKey, serverLabel, type RecentServer } from './recent-servers.js';

/** Everything the palette offers: views, collections, actions. */
export function useCommands(actions: { toggleTheme(): void; toggleSidebar(): void }): Command[] {
  const ws = useWorkspace();
  return useMemo(() => {
    const out: Command[] = [];
    if (ws.folder) {
      for (const v of VIEWS) {
        // A folder-only view on a server source is left out of the palette (its tab explains why).
        const absent = viewUnavailable(ws.capabilities, v.id);
        out.push({
          id: `view:${v.id}`,
          group: 'Views',
          title: `Go to ${v.label}`,
          detail: v.description,
          hint: shortcutLabel(v),
          disabled: Boolean(absent) || (v.needsCollection && !ws.collection),
          run: () => ws.setView(v.id),
        });
      }
      for (const c of ws.collections) {
        out.push({
          id: `collection:${c.id}`,
          group: 'Collections',
          title: collectionLabel(c, ws.collections),
          detail: `${c.count.toLocaleString('en-US')} records · ${c.tenant}/${c.database}`,
          keywords: c.id,
          run: () => ws.selectCollection(c.id, ws.view === 'overview' ? 'records' : ws.view),
        });
      }
    }
    out.push({ id: 'action:open', group: 'Actions', title: ws.folder ? 'Open another folder…' : 'Open folder…', run: () => void openFolderAction(ws) });
    if (ws.folder) {
      out.push({ id: 'action:close', group: 'Actions', title: 'Close folder', run: () => void ws.closeFolder() });
      out.push({ id: 'action:refresh', group: 'Actions', title: 'Reload folder info', run: () => void ws.refreshInfo() });
      out.push({ id: 'action:sidebar', group: 'Actions', title: 'Toggle sidebar', run: actions.toggleSidebar });
    }
    out.push({ id: 'action:theme', group: 'Actions', title: 'Toggle light / dark theme', run: actions.toggleTheme });
    for (const path of ws.recent.filter((p) => p !== ws.folder?.info.path)) {
      out.push({ id: `recent:${path}`, group: 'Recent folders', title: path, run: () => void ws.openFolder(path) });
    }
    for (const server of ws.recentServers) {
      out.push({ id: `recent-server:${serverKey(server)}`, group: 'Recent servers', title: serverLabel(server), run: () => void reopenServerAction(ws, server) });
    }
    return out;
  }, [ws, actions.toggleTheme, actions.toggleSidebar]);
}

/** A recent server whose secret is not kept: back to the open screen, its form filled in. */
async function reopenServerAction(ws: ReturnType<typeof useWorkspace>, server: RecentServer) {
  if ((await ws.reopenServer(server)) === 'needs-secret' && ws.folder) await ws.closeFolder();
}

async function openFolderAction(ws: ReturnType<typeof useWorkspace>) {
  if (hasNativePicker()) {
    const path = await pickFolderNative();
    if (path) await ws.openFolder(path);
    return;
  }
  // Browser: back to the open screen (path field + recent folders).
  await ws.closeFolder();
}
