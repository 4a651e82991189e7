// Which paths an engine call opened or wrote, read from its result (shared/contract.ts Outputs).
// The engine hosts report them to main, since the window talks to the engine directly and main
// never sees the results; main lets the window reveal only these (revealable-paths.ts).

/** Host → main: a call succeeded that opened or wrote this path. */
export interface PathProduced {
  type: 'path-produced';
  path: string;
}

export function isPathProduced(value: unknown): value is PathProduced {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; path?: unknown };
  return m.type === 'path-produced' && typeof m.path === 'string' && m.path.length > 0;
}

const field = (value: unknown, key: string): unknown => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined);

/**
 * The result fields that name a path, per method: the folder opened (OpenedFolder.info.path), the
 * zip written or verified, the file exported, the folder restored, repaired, migrated or replayed
 * into. The UI offers Reveal on these. Every other method names no path of its own; a result
 * of another shape names none either.
 */
const PATH_OF: Record<string, (value: unknown) => unknown> = {
  openFolder: (v) => field(field(v, 'info'), 'path'),
  backup: (v) => field(v, 'zip'),
  verifyBackup: (v) => field(v, 'zip'),
  restoreBackup: (v) => field(v, 'folder'),
  exportRecords: (v) => field(v, 'file'),
  exportWal: (v) => field(v, 'file'),
  fix: (v) => field(v, 'target'),
  migratePreview: (v) => field(v, 'folder'),
  replayToSeq: (v) => field(v, 'folder'),
};

/** The methods whose results can name a path: the only results the hosts read (the rest pass through as bytes). */
export const PATH_METHODS: ReadonlySet<string> = new Set(Object.keys(PATH_OF));

export function producedPaths(method: string, value: unknown): string[] {
  const path = Object.hasOwn(PATH_OF, method) ? PATH_OF[method]!(value) : undefined;
  return typeof path === 'string' && path.length > 0 ? [path] : [];
}
