/** The window message the preload posts with the engine's MessagePort (src-main/preload). */
export const PORT_MESSAGE = 'chroma-inspector:engine-port';

/**
 * Gets the engine's MessagePort from the Electron preload: `connect()` when it offers one, else
 * `requestEnginePort()` and wait for the port to arrive as a window message.
 */
export function electronPort(host: ChromaInspectorHost, target: Window = window, timeoutMs = 15_000): Promise<InspectorPortLike> {
  if (typeof host.connect === 'function') return host.connect();
  return new Promise((resolve, reject) => {
    const onMessage = (event: MessageEvent) => {
      if (event.data !== PORT_MESSAGE || !event.ports[0]) return;
      cleanup();
      resolve(event.ports[0] as unknown as InspectorPortLike);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('The desktop app did not hand over an engine connection'));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      target.removeEventListener('message', onMessage);
    };
    target.addEventListener('message', onMessage);
    host.requestEnginePort?.();
  });
}

export const isElectronHost = (host: ChromaInspectorHost | undefined): host is ChromaInspectorHost =>
  Boolean(host && (typeof host.connect === 'function' || typeof host.requestEnginePort === 'function'));

/** Opens the native folder picker when the host has one; resolves when done (or at once for fire-and-forget pickers). */
export async function pickFolderNative(): Promise<string | null | undefined> {
  const host = window.chromaInspector;
  if (host?.pickFolder) return host.pickFolder();
  if (host?.chooseFolder) {
    host.chooseFolder();
    return undefined;
  }
  return undefined;
}

export const hasNativePicker = () => Boolean(window.chromaInspector?.pickFolder || window.chromaInspector?.chooseFolder);
