import { useState } from 'react';
import type { ConnectionState } from './app.js';
import type { Transport } from '../client/connect.js';
import type { Theme } from './theme.js';
import { useWorkspace } from './workspace-context.js';
import { VIEWS } from './views.js';
import { useShortcuts } from './use-shortcuts.js';
import { useCommands } from './commands.js';
import { StatusBar } from './status-bar.js';
import { TitleBar } from './title-bar.js';
import { ViewTabs } from './view-tabs.js';
import { ViewHost } from './view-host.js';
import { CommandPalette } from '../components/command-palette/command-palette.js';
import { CollectionTree } from '../features/tree/collection-tree.js';
import { OpenFolderScreen } from '../features/open-folder/open-folder-screen.js';

interface Props {
  connection: ConnectionState;
  transport: Transport;
  theme: { theme: Theme; toggle(): void };
}

/** Title bar, sidebar tree, view tabs, the active view, status bar; palette on top. */
export function Shell({ connection, transport, theme }: Props) {
  const ws = useWorkspace();
  const [sidebar, setSidebar] = useState(true);
  const commands = useCommands({ toggleTheme: theme.toggle, toggleSidebar: () => setSidebar((s) => !s) });
  useShortcuts({
    openPalette: () => ws.dispatch({ type: 'palette', open: true }),
    goView: (v) => ws.folder && ws.setView(v),
    views: VIEWS,
  });

  return (
    <div className="app" data-testid="app" data-connection={connection}>
      <TitleBar theme={theme.theme} onToggleTheme={theme.toggle} onPalette={() => ws.dispatch({ type: 'palette', open: true })} />
      {connection === 'disconnected' && (
        <div className="banner banner-error" role="alert" data-testid="disconnected-banner">
          Disconnected from the engine. Nothing more can be read until you reconnect.
          <button type="button" className="btn btn-xs" onClick={() => window.location.reload()}>
            Reconnect
          </button>
        </div>
      )}
      <div className="main">
        {ws.folder && sidebar && (
          <aside className="sidebar" data-testid="sidebar">
            <CollectionTree />
          </aside>
        )}
        <section className="workspace">
          {ws.folder ? (
            <>
              <ViewTabs />
              <ViewHost />
            </>
          ) : (
            <OpenFolderScreen />
          )}
        </section>
      </div>
      <StatusBar connection={connection} transport={transport} />
      {ws.paletteOpen && <CommandPalette commands={commands} onClose={() => ws.dispatch({ type: 'palette', open: false })} />}
    </div>
  );
}
