import { describe, expect, it, vi } from 'vitest';
import { makeUrlTrust, registerIpcHandlers, type IpcMainEventLike } from '../../../src-main/app/ipc-handlers.js';
import { CHANNELS, PORT_MESSAGE, createPreloadApi } from '../../../src-main/preload/preload-api.js';
import { buildMenuTemplate } from '../../../src-main/app/menu.js';
import { RevealablePaths } from '../../../src-main/app/revealable-paths.js';

/** A stand-in for ipcMain that lets a test play the renderer. */
function fakeIpcMain() {
  const listeners = new Map<string, (event: IpcMainEventLike, ...args: unknown[]) => void>();
  return {
    on: (channel: string, l: (event: IpcMainEventLike, ...args: unknown[]) => void) => listeners.set(channel, l),
    emit: (channel: string, url: string, ...args: unknown[]) => listeners.get(channel)?.({ senderFrame: { url }, sender: { id: 7 } }, ...args),
    channels: () => [...listeners.keys()].sort(),
  };
}

const INDEX = 'file:///opt/chroma-inspector/dist-renderer/index.html';

describe('IPC handlers in main', () => {
  const setup = () => {
    const ipc = fakeIpcMain();
    // As main.ts keeps it: the start folder, then what was opened or written.
    const revealable = new RevealablePaths();
    revealable.add('/data/chroma');
    const deps = {
      isTrustedUrl: makeUrlTrust(INDEX),
      connectEngine: vi.fn(),
      chooseFolder: vi.fn(),
      reveal: vi.fn(),
      revealablePath: (p: string) => revealable.lookup(p),
      onRejected: vi.fn(),
      onRevealRefused: vi.fn(),
    };
    registerIpcHandlers(ipc, deps);
    return { ipc, deps, revealable };
  };

  it('registers a handler for every channel the preload uses', () => {
    const { ipc } = setup();
    expect(ipc.channels()).toEqual([CHANNELS.chooseFolder, CHANNELS.connect, CHANNELS.reveal].sort());
  });

  it('serves our own page', () => {
    const { ipc, deps } = setup();
    ipc.emit(CHANNELS.connect, INDEX);
    ipc.emit(CHANNELS.reveal, `${INDEX}#/records`, '/data/chroma');
    expect(deps.connectEngine).toHaveBeenCalledWith(7);
    expect(deps.reveal).toHaveBeenCalledWith('/data/chroma');
  });

  it('refuses any other sender: remote pages, other files, no frame', () => {
    const { ipc, deps } = setup();
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', 'about:blank', '']) ipc.emit(CHANNELS.connect, url);
    expect(deps.connectEngine).not.toHaveBeenCalled();
    expect(deps.onRejected).toHaveBeenCalledTimes(4);
  });

  it('reveals only paths the app opened or wrote, refusing and reporting any other', () => {
    const { ipc, deps, revealable } = setup();
    revealable.add('/backups/2024.zip');
    for (const path of ['/etc/passwd', '/data', '/data/chroma/chroma.sqlite3', '/data/chroma-other', 'data/chroma', '/backups/2024.zip.part']) {
      ipc.emit(CHANNELS.reveal, INDEX, path);
    }
    expect(deps.reveal).not.toHaveBeenCalled();
    expect(deps.onRevealRefused).toHaveBeenCalledTimes(6);
    expect(deps.onRevealRefused).toHaveBeenCalledWith('/etc/passwd');
    ipc.emit(CHANNELS.reveal, INDEX, '/backups/2024.zip');
    // The same path spelled with `..` names the one produced, and that recorded form is revealed.
    ipc.emit(CHANNELS.reveal, INDEX, '/backups/tmp/../2024.zip');
    expect(deps.reveal.mock.calls).toEqual([['/backups/2024.zip'], ['/backups/2024.zip']]);
  });

  it('checks the sender before the path: a foreign page learns nothing', () => {
    const { ipc, deps } = setup();
    ipc.emit(CHANNELS.reveal, 'https://evil.example/', '/data/chroma');
    expect(deps.reveal).not.toHaveBeenCalled();
    expect(deps.onRevealRefused).not.toHaveBeenCalled();
    expect(deps.onRejected).toHaveBeenCalledWith(CHANNELS.reveal, 'https://evil.example/');
  });

  it('ignores malformed arguments', () => {
    const { ipc, deps } = setup();
    ipc.emit(CHANNELS.reveal, INDEX, { path: '/x' });
    ipc.emit(CHANNELS.reveal, INDEX, '');
    expect(deps.reveal).not.toHaveBeenCalled();
  });

  it('trusts the dev server only when one is configured', () => {
    expect(makeUrlTrust(INDEX)('http://localhost:5173/')).toBe(false);
    expect(makeUrlTrust(INDEX, 'http://localhost:5173')('http://localhost:5173/#x')).toBe(true);
  });
});

describe('the preload API', () => {
  function fakeIpcRenderer() {
    const handlers = new Map<string, ((event: { ports?: readonly unknown[] }, ...args: unknown[]) => void)[]>();
    return {
      send: vi.fn(),
      invoke: vi.fn(async (): Promise<unknown> => undefined),
      on: (c: string, l: (event: { ports?: readonly unknown[] }, ...args: unknown[]) => void) => handlers.set(c, [...(handlers.get(c) ?? []), l]),
      removeListener: (c: string, l: unknown) => handlers.set(c, (handlers.get(c) ?? []).filter((x) => x !== l)),
      fire: (c: string, event: { ports?: readonly unknown[] }, ...args: unknown[]) => (handlers.get(c) ?? []).forEach((l) => l(event, ...args)),
    };
  }

  it('exposes only a few calls and no Electron or Node objects', () => {
    const api = createPreloadApi(fakeIpcRenderer(), { postMessage: vi.fn() });
    expect(Object.keys(api).sort()).toEqual([
      'chooseFolder',
      'forgetServerSecret',
      'loadServerSecret',
      'onOpenFolder',
      'platform',
      'requestEnginePort',
      'revealInFileManager',
      'saveServerSecret',
    ]);
    for (const v of Object.values(api)) expect(['function', 'string']).toContain(typeof v);
  });

  it('asks main for an engine port and hands it to the page', () => {
    const ipc = fakeIpcRenderer();
    const win = { postMessage: vi.fn() };
    const api = createPreloadApi(ipc, win);
    api.requestEnginePort();
    expect(ipc.send).toHaveBeenCalledWith(CHANNELS.connect);
    const port = { fake: 'port' };
    ipc.fire(CHANNELS.port, { ports: [port] });
    expect(win.postMessage).toHaveBeenCalledWith(PORT_MESSAGE, '*', [port]);
  });

  it('delivers "open folder" from the menu and can unsubscribe', () => {
    const ipc = fakeIpcRenderer();
    const api = createPreloadApi(ipc, { postMessage: vi.fn() });
    const seen: string[] = [];
    const off = api.onOpenFolder((p) => seen.push(p));
    ipc.fire(CHANNELS.openFolder, {}, '/data/one');
    ipc.fire(CHANNELS.openFolder, {}, 42);
    off();
    ipc.fire(CHANNELS.openFolder, {}, '/data/two');
    expect(seen).toEqual(['/data/one']);
  });
});

describe('the application menu', () => {
  it('has Open Folder, Open Recent with the recent list, and Reveal', () => {
    const actions = { recent: ['/a/one', '/b/two'], openFolder: vi.fn(), openRecent: vi.fn(), reveal: vi.fn(), clearRecent: vi.fn() };
    const file = buildMenuTemplate(actions).find((m) => m.label === 'File')!;
    const items = file.submenu as { label?: string; click?: () => void; submenu?: { label?: string; click?: () => void }[] }[];
    items.find((i) => i.label === 'Open Folder…')!.click!();
    expect(actions.openFolder).toHaveBeenCalled();
    const recent = items.find((i) => i.label === 'Open Recent')!.submenu!;
    expect(recent.map((r) => r.label)).toContain('two — /b/two');
    recent[1]!.click!();
    expect(actions.openRecent).toHaveBeenCalledWith('/b/two');
    expect(items.some((i) => i.label === 'Reveal in File Manager')).toBe(true);
  });
});
