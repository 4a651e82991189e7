import type { MenuItemConstructorOptions } from 'electron';
import { basename } from 'node:path';

export interface MenuActions {
  recent: string[];
  openFolder(): void;
  openRecent(path: string): void;
  reveal(): void;
  clearRecent(): void;
}

/** The application menu as data, so it can be checked without Electron. */
export function buildMenuTemplate(a: MenuActions): MenuItemConstructorOptions[] {
  const isMac = process.platform === 'darwin';
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+O', click: () => a.openFolder() },
        {
          label: 'Open Recent',
          submenu: a.recent.length
            ? [
                ...a.recent.map((p) => ({ label: `${basename(p)} — ${p}`, click: () => a.openRecent(p) })),
                { type: 'separator' as const },
                { label: 'Clear Recent', click: () => a.clearRecent() },
              ]
            : [{ label: 'No recent folders', enabled: false }],
        },
        { label: 'Reveal in File Manager', accelerator: 'CmdOrCtrl+Shift+R', click: () => a.reveal() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
}
