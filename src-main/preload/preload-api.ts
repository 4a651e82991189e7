/**
 * What the preload hands the renderer, built from injected Electron objects so it can be tested
 * without Electron. The renderer gets no Node, no ipcRenderer: only these few calls.
 */
type IpcListener = (event: { ports?: readonly unknown[] }, ...args: unknown[]) => void;

export interface IpcRendererLike {
  send(channel: string, ...args: unknown[]): void;
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: IpcListener): unknown;
  removeListener(channel: string, listener: IpcListener): unknown;
}

export interface WindowLike {
  postMessage(message: unknown, targetOrigin: string, transfer?: unknown[]): void;
}

export const CHANNELS = {
  connect: 'engine:connect',
  port: 'engine:port',
  openFolder: 'app:open-folder',
  chooseFolder: 'app:choose-folder',
  reveal: 'app:reveal',
  // Request/answer (ipcRenderer.invoke): a recent server's secret, kept by main in safeStorage.
  saveServerSecret: 'secrets:save',
  loadServerSecret: 'secrets:load',
  forgetServerSecret: 'secrets:forget',
} as const;

/** The message the preload posts to the page with the engine's MessagePort attached. */
export const PORT_MESSAGE = 'chroma-inspector:engine-port';

export interface PreloadApi {
  platform: 'electron';
  /** Asks main for a fresh engine port; it arrives as a window message `PORT_MESSAGE` with the port. */
  requestEnginePort(): void;
  /** Native folder picker. */
  chooseFolder(): void;
  revealInFileManager(path: string): void;
  /** Subscribes to "open this folder" from the menu; returns an unsubscribe function. */
  onOpenFolder(listener: (path: string) => void): () => void;
  /** Encrypts and keeps a server's credentials under `key` (URL+tenant+database); says why when it cannot. */
  saveServerSecret(key: string, credentials: unknown): Promise<{ saved: boolean; reason?: string }>;
  /** The credentials kept under `key`, or null. */
  loadServerSecret(key: string): Promise<unknown>;
  forgetServerSecret(key: string): Promise<void>;
}

export function createPreloadApi(ipc: IpcRendererLike, win: WindowLike): PreloadApi {
  // MessagePorts cannot cross contextBridge; forward them to the page with window.postMessage.
  ipc.on(CHANNELS.port, (event) => {
    const port = event.ports?.[0];
    if (port) win.postMessage(PORT_MESSAGE, '*', [port]);
  });
  return {
    platform: 'electron',
    requestEnginePort: () => ipc.send(CHANNELS.connect),
    chooseFolder: () => ipc.send(CHANNELS.chooseFolder),
    revealInFileManager: (path: string) => {
      if (typeof path === 'string' && path.length > 0) ipc.send(CHANNELS.reveal, path);
    },
    onOpenFolder: (listener) => {
      const wrapped = (_event: unknown, path: unknown) => {
        if (typeof path === 'string') listener(path);
      };
      ipc.on(CHANNELS.openFolder, wrapped);
      return () => ipc.removeListener(CHANNELS.openFolder, wrapped);
    },
    saveServerSecret: async (key, credentials) => (await ipc.invoke(CHANNELS.saveServerSecret, key, credentials)) as { saved: boolean; reason?: string },
    loadServerSecret: (key) => ipc.invoke(CHANNELS.loadServerSecret, key),
    forgetServerSecret: async (key) => {
      await ipc.invoke(CHANNELS.forgetServerSecret, key);
    },
  };
}
