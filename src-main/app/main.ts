// Electron main: windows, menus, dialogs. The engine runs in its own process (a utility process
// when packaged, a Node child in development: docs/electron.md); this process only wires
// MessagePorts between it and the window, so the UI never freezes on a big folder. The window
// opens only after the engine host reported that its native modules load. In the packaged app,
// main also starts the engine pool's SQL processes for the host, which cannot fork them itself.
import { BrowserWindow, Menu, MessageChannelMain, app, dialog, ipcMain, safeStorage, session, shell, utilityProcess } from 'electron';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeUrlTrust, registerIpcHandlers, registerSecretHandlers } from './ipc-handlers.js';
import { ServerSecrets } from './server-secrets.js';
import { CHANNELS } from '../preload/preload-api.js';
import { buildMenuTemplate } from './menu.js';
import { RecentFolders } from './recent-folders.js';
import { demoFolderPath, packageRoot } from '../server/app-paths.js';
import { planEngineLaunch, type EngineCandidate } from './engine-launch-plan.js';
import { findNodeExecutable, readNativeAbi, requestedEngineHost, type FactsIo } from './engine-launch-facts.js';
import { waitForEngineReady } from './engine-handshake.js';
import { utilityEngineHost, type EngineHost } from './engine-host-handle.js';
import { launchNodeEngine } from './node-engine-launcher.js';
import { startEngineThenWindow } from './engine-startup.js';
import { serveEngineProcesses } from './engine-process-spawner.js';
import { RevealablePaths } from './revealable-paths.js';
import { denyAllPermissions, devServerUrlFor, guardContents } from './window-guards.js';

const root = packageRoot();
const rendererIndex = join(root, 'dist-renderer', 'index.html');
const rendererUrl = pathToFileURL(rendererIndex).toString();
const devServerUrl = devServerUrlFor(app.isPackaged, process.env);
const isTrustedUrl = makeUrlTrust(rendererUrl, devServerUrl);

const argFolder = process.argv.slice(app.isPackaged ? 1 : 2).find((a) => !a.startsWith('-') && existsSync(a));
const startFolder = argFolder ? resolve(argFolder) : demoFolderPath();

// Generous: the first start reads the native modules from a cold disk.
const HANDSHAKE_TIMEOUT_MS = 30_000;
const launchedByStartScript = process.env.CHROMA_INSPECTOR_LAUNCHER === 'start-script';

let engine: EngineHost | null = null;
let engineCandidate: EngineCandidate | null = null;
let relaunching: Promise<EngineHost> | null = null;
let recent: RecentFolders;
// What the window may reveal: the start folder, folders opened, and what the engine wrote.
const revealable = new RevealablePaths();
revealable.add(startFolder);

const io: FactsIo = {
  isFile: (p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  },
  readText: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  },
};

async function launchEngine(candidate: EngineCandidate): Promise<EngineHost> {
  const env = { ...process.env, CHROMA_INSPECTOR_FOLDER: startFolder };
  if (candidate.kind === 'utility') {
    const proc = utilityProcess.fork(join(root, 'dist', 'electron', 'engine-host.js'), [], { serviceName: 'Chroma Inspector engine', env });
    // Before the handshake: the host's pool asks for its first SQL process as it starts.
    serveEngineProcesses(proc, {
      fork: (processEnv) => utilityProcess.fork(join(root, 'dist', 'engine-worker.js'), [], { serviceName: 'Chroma Inspector SQL', env: processEnv }),
      createChannel: () => new MessageChannelMain(),
      env,
      forceKill: (pid) => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      },
      log: (line) => console.warn(line),
    });
    await waitForEngineReady(proc, HANDSHAKE_TIMEOUT_MS);
    return adopt(utilityEngineHost(proc));
  }
  const { host } = await launchNodeEngine({
    nodePath: candidate.nodePath,
    script: join(root, 'dist', 'electron', 'engine-node-host.js'),
    env,
    timeoutMs: HANDSHAKE_TIMEOUT_MS,
  });
  return adopt(host);
}

function adopt(host: EngineHost): EngineHost {
  engine = host;
  host.onPathProduced((path) => revealable.add(path));
  host.onExit(() => {
    if (engine === host) engine = null;
  });
  return host;
}

/** The running engine, or the same kind of host started again if it died (one restart at a time). */
async function currentEngine(): Promise<EngineHost | null> {
  if (engine) return engine;
  if (!engineCandidate) return null;
  relaunching ??= launchEngine(engineCandidate).finally(() => {
    relaunching = null;
  });
  try {
    return await relaunching;
  } catch (err) {
    dialog.showErrorBox('The engine stopped and could not be restarted', err instanceof Error ? err.message : String(err));
    return null;
  }
}

async function connectWindow(webContentsId: number) {
  const target = BrowserWindow.getAllWindows().find((w) => w.webContents.id === webContentsId);
  const host = target ? await currentEngine() : null;
  if (!target || !host || target.isDestroyed()) return;
  const { port1, port2 } = new MessageChannelMain();
  host.connect(port1);
  target.webContents.postMessage(CHANNELS.port, null, [port2]);
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
  guardContents(win.webContents, isTrustedUrl, (url) => void shell.openExternal(url));
  void (devServerUrl ? win.loadURL(devServerUrl) : win.loadFile(rendererIndex));
  return win;
}

function openFolderInWindow(path: string) {
  revealable.add(resolve(path));
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

void app.whenReady().then(async () => {
  denyAllPermissions(session.defaultSession);
  recent = new RecentFolders(join(app.getPath('userData'), 'recent-folders.json'));
  registerIpcHandlers(
    { on: (channel, listener) => ipcMain.on(channel, listener as never) },
    {
      isTrustedUrl,
      connectEngine: (webContentsId) => void connectWindow(webContentsId),
      chooseFolder: () => void chooseFolder(),
      reveal: (path) => shell.showItemInFolder(path),
      revealablePath: (path) => revealable.lookup(path),
      onRejected: (channel, url) => console.warn(`refused IPC ${channel} from ${url}`),
      onRevealRefused: (path) => console.warn(`refused to reveal ${path}: not a path this app opened or wrote`),
    },
  );
  registerSecretHandlers(
    { handle: (channel, listener) => ipcMain.handle(channel, listener as never) },
    {
      isTrustedUrl,
      secrets: new ServerSecrets(join(app.getPath('userData'), 'server-secrets.json'), safeStorage),
      onRejected: (channel, url) => console.warn(`refused IPC ${channel} from ${url}`),
    },
  );
  refreshMenu();
  const plan = planEngineLaunch({
    isPackaged: app.isPackaged,
    electronAbi: process.versions.modules,
    nativeAbi: app.isPackaged ? null : readNativeAbi(root, io),
    node: app.isPackaged ? null : findNodeExecutable(process.env, process.platform, io),
    requested: app.isPackaged ? null : requestedEngineHost(process.env),
  });
  const started = await startEngineThenWindow({
    plan,
    launch: launchEngine,
    openWindow: () => void createWindow(),
    canFallBackToBrowser: launchedByStartScript && !app.isPackaged,
    showError: (title, body) => dialog.showErrorBox(title, body),
    log: (line) => console.log(line),
    exit: (code) => app.exit(code),
  });
  if (!started) return;
  engineCandidate = started.candidate;
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  // Quitting stops the engine first (will-quit below).
  if (process.platform !== 'darwin') return app.quit();
  // macOS keeps the app running: the engine stops now, and a window opened later (dock) starts a
  // fresh one through currentEngine().
  engine?.stop();
  engine = null;
});

// Every way of quitting (last window, menu, Cmd+Q) passes here. The app quits once the engine host
// ended (it is killed after a grace if it hangs): Electron would end a utility process with the app,
// before its writer persisted the HNSW checkpoints.
app.on('will-quit', (event) => {
  const host = engine;
  if (!host) return;
  event.preventDefault();
  engine = null;
  host.onExit(() => app.quit());
  host.stop();
});
