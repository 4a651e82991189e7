// The handshake's engine side: before loading the engine, a host proves its native modules load in
// its runtime (the failure this guards against is a NODE_MODULE_VERSION mismatch) and tells main.
// Shared by the utility-process host and the Node child host; no electron.

export type EngineStatus =
  | { type: 'engine-ready'; abi: string; sqlite: string; pid: number }
  | { type: 'engine-failed'; message: string };

export function isEngineStatus(value: unknown): value is EngineStatus {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; message?: unknown };
  return m.type === 'engine-ready' || (m.type === 'engine-failed' && typeof m.message === 'string');
}

interface SqliteDatabase {
  prepare(sql: string): { get(): unknown };
  close(): void;
}

interface HnswModule {
  HierarchicalNSW: new (space: string, dim: number) => { initIndex(max: number): void; addPoint(v: number[], label: number): void; getCurrentCount(): number };
}

/**
 * Opens an in-memory better-sqlite3 database and builds a one-point hnswlib-node index: loading
 * the addons alone is not enough (better-sqlite3 loads its binary lazily, on the first Database).
 * `load` is the host's `require`.
 */
export function probeNativeModules(load: (id: string) => unknown): EngineStatus {
  try {
    const Database = load('better-sqlite3') as new (path: string) => SqliteDatabase;
    const db = new Database(':memory:');
    const row = db.prepare('select sqlite_version() as v').get() as { v: string };
    db.close();
    const { HierarchicalNSW } = load('hnswlib-node') as HnswModule;
    const index = new HierarchicalNSW('l2', 2);
    index.initIndex(1);
    index.addPoint([0, 1], 0);
    if (index.getCurrentCount() !== 1) throw new Error('hnswlib-node did not keep a point');
    return { type: 'engine-ready', abi: process.versions.modules, sqlite: row.v, pid: process.pid };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { type: 'engine-failed', message: `native modules do not load in this runtime (${process.execPath}, ABI ${process.versions.modules}): ${message}` };
  }
}
