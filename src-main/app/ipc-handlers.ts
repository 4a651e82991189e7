import { CHANNELS } from '../preload/preload-api.js';

/** Structural slices of Electron's main-process APIs, so the handlers can be tested without Electron. */
export interface IpcMainEventLike {
  senderFrame: { url: string } | null;
  sender: { id: number };
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => void): unknown;
}

export interface IpcDeps {
  /** True when a frame URL is our own renderer (file:// page we loaded, or the dev server). */
  isTrustedUrl(url: string): boolean;
  /** Creates a MessageChannel to the engine process and sends one end to this web contents. */
  connectEngine(webContentsId: number): void;
  chooseFolder(webContentsId: number): void;
  reveal(path: string): void;
  /**
   * The path as the app recorded it when it produced or opened it (revealable-paths.ts), or null.
   * The page is not trusted with arbitrary paths: a compromised one must not point the file
   * manager anywhere. The recorded form is what gets revealed, never the page's spelling of it.
   */
  revealablePath(path: string): string | null;
  onRejected?(channel: string, url: string): void;
  /** A reveal refused because the path is not one the app produced or opened. */
  onRevealRefused?(path: string): void;
}

/**
 * Every IPC entry point. Each checks that the message comes from our own page before acting:
 * a navigated-away or injected frame gets nothing.
 */
export function registerIpcHandlers(ipcMain: IpcMainLike, deps: IpcDeps): void {
  const guarded = (channel: string, fn: (event: IpcMainEventLike, ...args: unknown[]) => void) =>
    ipcMain.on(channel, (event, ...args) => {
      const url = event.senderFrame?.url ?? '';
      if (!deps.isTrustedUrl(url)) {
        deps.onRejected?.(channel, url);
        return;
      }
      fn(event, ...args);
    });
  guarded(CHANNELS.connect, (event) => deps.connectEngine(event.sender.id));
  guarded(CHANNELS.chooseFolder, (event) => deps.chooseFolder(event.sender.id));
  guarded(CHANNELS.reveal, (_event, path) => {
    if (typeof path !== 'string' || path.length === 0) return;
    const allowed = deps.revealablePath(path);
    if (allowed !== null) deps.reveal(allowed);
    else deps.onRevealRefused?.(path);
  });
}

/** ipcMain's request/answer side (`ipcMain.handle`): the listener's result answers `invoke`. */
export interface IpcMainHandleLike {
  handle(channel: string, listener: (event: IpcMainEventLike, ...args: unknown[]) => unknown): unknown;
}

export interface SecretDeps {
  isTrustedUrl(url: string): boolean;
  secrets: {
    save(key: unknown, credentials: unknown): { saved: boolean; reason?: string };
    load(key: unknown): unknown;
    forget(key: unknown): boolean;
  };
  onRejected?(channel: string, url: string): void;
}

/**
 * The secret store's entry points, behind the same sender check: a foreign frame gets a
 * rejection, never a secret (nor whether one is kept).
 */
export function registerSecretHandlers(ipcMain: IpcMainHandleLike, deps: SecretDeps): void {
  const guarded = (channel: string, fn: (...args: unknown[]) => unknown) =>
    ipcMain.handle(channel, (event, ...args) => {
      const url = event.senderFrame?.url ?? '';
      if (!deps.isTrustedUrl(url)) {
        deps.onRejected?.(channel, url);
        throw new Error('Refused: not the app’s own page');
      }
      return fn(...args);
    });
  guarded(CHANNELS.saveServerSecret, (key, credentials) => deps.secrets.save(key, credentials));
  guarded(CHANNELS.loadServerSecret, (key) => deps.secrets.load(key));
  guarded(CHANNELS.forgetServerSecret, (key) => {
    deps.secrets.forget(key);
  });
}

/** Our page is the packaged index.html (file://) or, in development, the local Vite server. */
export function makeUrlTrust(rendererIndexUrl: string, devServerUrl?: string): (url: string) => boolean {
  const allowed = new URL(rendererIndexUrl);
  return (url: string) => {
    try {
      const u = new URL(url);
      if (devServerUrl && u.origin === new URL(devServerUrl).origin) return true;
      return u.protocol === 'file:' && u.pathname === allowed.pathname;
    } catch {
      return false;
    }
  };
}
