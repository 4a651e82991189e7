import type { Theme } from './theme.js';
import { useWorkspace } from './workspace-context.js';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export function TitleBar({ theme, onToggleTheme, onPalette }: { theme: Theme; onToggleTheme(): void; onPalette(): void }) {
  const ws = useWorkspace();
  return (
    <header className="titlebar">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        Chroma Inspector
      </div>
      {ws.folder && (
        <div className="titlebar-path" title={ws.folder.info.path} data-testid="folder-path">
          {ws.folder.info.path}
        </div>
      )}
      <button type="button" className="palette-trigger" onClick={onPalette} data-testid="palette-button">
        <span>Search views, collections, actions…</span>
        <kbd>{isMac ? '⌘' : 'Ctrl'} K</kbd>
      </button>
      <button
        type="button"
        className="btn btn-icon"
        onClick={onToggleTheme}
        title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        data-testid="theme-toggle"
        data-theme-current={theme}
      >
        {theme === 'dark' ? '☀' : '☾'}
      </button>
    </header>
  );
}
