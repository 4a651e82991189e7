// Electron main: windows, menus, dialogs. The engine runs in a utility process; this process only
// wires MessagePorts between it and the window, so the UI never freezes on a big folder.
import { BrowserWindow, Menu, MessageChannelMain, app, dialog, ipcMain, shell, utilityProcess, type UtilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeUrlTrust, registerIpcHandlers } from './ipc-handlers.js';
import { CHANNELS } from '../preload/preload-api.js';
import { buildMenuTemplate } from './menu.js';
import { RecentFolders } from './recent-folders.js';
import { demoFolderPath, packageRoot } from '../server/app-paths.js';

const root = packageRoot();
const rendererIndex = join(root, 'dist-renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();
const devServerUrl = process.env.CHROMA_INSPECTOR_DEV_URL;
const isTrustedUrl = makeUrlTrust(rendererUrl, devServerUrl);

const argFolder = process.argv.slice(app.isPackaged ? 1 : 2).find((a) => !a.startsWith('-') && existsSync(a));
const startFolder = argFolder ? resolve(argFolder) : demoFolderPath();

let engine: UtilityProcess | null = null;
let recent: RecentFolders;

function startEngine(): UtilityProcess {
  engine = utilityProcess.fork(join(root, 'dist', 'electron', 'engine-host.js'), [], {
    serviceName: 'Chroma Inspector engine',
    env: { ...process.env, CHROMA_INSPECTOR_FOLDER: startFolder },
  });
  engine.on('exit', () => {
    engine = null;
  });
  return engine;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Chroma Inspector',
    webPreferences: {
      preload: join(root, 'dist', 'electron', 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  // Navigation and new windows are refused; links open in the user's browser.
  win.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void (devServerUrl ? win.loadURL(devServerUrl) : win.loadFile(rendererIndex));
  return win;
}

function openFolderInWindow(path: string) {
  recent.add(path);
  refreshMenu();
  const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? createWindow();
  win.webContents.send(CHANNELS.openFolder, path);
}

async function chooseFolder() {
  const result = await dialog.showOpenDialog({ title: 'Open a Chroma folder', properties: ['openDirectory'] });
  const path = result.filePaths[0];
  if (!result.canceled && path) openFolderInWindow(path);
}

function refreshMenu() {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        recent: recent.list(),
        openFolder: () => void chooseFolder(),
        openRecent: (p) => openFolderInWindow(p),
        reveal: () => shell.showItemInFolder(recent.list()[0] ?? startFolder),
        clearRecent: () => {
          recent.clear();
          refreshMenu();
        },
      }),
    ),
  );
}

app.enableSandbox();
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

void app.whenReady().then(() => {
  recent = new RecentFolders(join(app.getPath('userData'), 'recent-folders.json'));
  registerIpcHandlers(
    { on: (channel, listener) => ipcMain.on(channel, listener as never) },
    {
      isTrustedUrl,
      connectEngine: (webContentsId) => {
        const target = BrowserWindow.getAllWindows().find((w) => w.webContents.id === webContentsId);
        if (!target) return;
        const { port1, port2 } = new MessageChannelMain();
        (engine ?? startEngine()).postMessage({ type: 'connect' }, [port1]);
        target.webContents.postMessage(CHANNELS.port, null, [port2]);
      },
      chooseFolder: () => void chooseFolder(),
      reveal: (path) => shell.showItemInFolder(path),
      onRejected: (channel, url) => console.warn(`refused IPC ${channel} from ${url}`),
    },
  );
  startEngine();
  refreshMenu();
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  engine?.kill();
  if (process.platform !== 'darwin') app.quit();
});
