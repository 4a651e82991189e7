/** Ambient declarations for the renderer: CSS side-effect imports and the Electron preload API. */
declare module '*.css';

/** A MessagePort as Electron's preload hands it over (the DOM MessagePort satisfies it). */
interface InspectorPortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  start?(): void;
  close?(): void;
  addEventListener?(type: 'close', listener: () => void): void;
}

/** What the Electron preload exposes on `window.chromaInspector`; absent in the browser. */
interface ChromaInspectorHost {
  platform: 'electron' | string;
  connect(): Promise<InspectorPortLike>;
  /** Optional native folder picker; resolves to null when cancelled. */
  pickFolder?(): Promise<string | null>;
  /** Optional: the app menu's "Open folder…" hands the chosen path to the renderer. */
  onOpenFolder?(listener: (path: string) => void): () => void;
}

interface Window {
  chromaInspector?: ChromaInspectorHost;
}
