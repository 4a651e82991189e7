/** Ambient declarations for the renderer: CSS side-effect imports and the Electron preload API. */
declare module '*.css';

/** A MessagePort as Electron hands it over (the DOM MessagePort satisfies it). */
interface InspectorPortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  start?(): void;
  close?(): void;
  addEventListener?(type: 'close', listener: () => void): void;
}

/**
 * What the Electron preload exposes on `window.chromaInspector` (absent in the browser). The
 * engine port comes either from `connect()` or, as src-main/preload does it, by
 * `requestEnginePort()` followed by a window message carrying the port.
 */
interface ChromaInspectorHost {
  platform: 'electron' | string;
  connect?(): Promise<InspectorPortLike>;
  requestEnginePort?(): void;
  /** Native picker; the chosen path comes back through `onOpenFolder`. */
  chooseFolder?(): void;
  /** Native picker returning the path (null when cancelled). */
  pickFolder?(): Promise<string | null>;
  revealInFileManager?(path: string): void;
  /** The app menu's "Open folder…" (and `chooseFolder`) hand the chosen path to the renderer. */
  onOpenFolder?(listener: (path: string) => void): () => void;
  /** A server's credentials, encrypted by main with safeStorage, keyed by URL+tenant+database. */
  saveServerSecret?(key: string, credentials: unknown): Promise<{ saved: boolean; reason?: string }>;
  loadServerSecret?(key: string): Promise<unknown>;
  forgetServerSecret?(key: string): Promise<void>;
}

interface Window {
  chromaInspector?: ChromaInspectorHost;
}
