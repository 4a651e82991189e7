import type { Space } from '../../../shared/models.js';
import { backupError } from './backup-errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'chroma-inspector-backup';
export const MANIFEST_FORMAT_VERSION = 1;

export interface ManifestCollection {
  tenant: string;
  database: string;
  name: string;
  id: string;
  dimension: number | null;
  space: Space;
  /** Records visible as Chroma would show them when the backup was taken. */
  count: number;
}

export interface ManifestFile {
  /** Relative to the Chroma folder, `/`-separated, e.g. `<segment-uuid>/header.bin`. */
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * `manifest.json`, the last entry of a backup zip. Everything else in the zip is the Chroma
 * folder exactly as Chroma lays it out, so `unzip` alone gives a folder Chroma opens.
 */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  tool: { name: string; version: string };
  createdAt: string;
  /** The folder's basename only (never the full path: backups get shared). */
  sourceName: string;
  era: { label: string; chromaVersions: string; rustCore: boolean };
  scope: { collection: { id: string; name: string; tenant: string; database: string } | null; excludeOrphans: boolean };
  collections: ManifestCollection[];
  /** Every file in the zip except manifest.json. */
  files: ManifestFile[];
  /** Segment folders that hold no file (Python creates them for empty collections). */
  directories: string[];
  /** Things the backup noticed but that do not make it wrong (pre-existing damage, skipped files). */
  warnings: string[];
  /** Capture attempts needed for a consistent snapshot (1 = nothing moved). */
  attempts: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and shape-checks manifest.json; throws a clear error naming what is wrong. */
export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw backupError('INVALID_ARGUMENT', 'zip.manifest', `manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string) => backupError('INVALID_ARGUMENT', 'zip.manifest', `manifest.json: ${what}`);
  if (!isObj(raw)) throw bad('not a JSON object');
  if (raw.format !== MANIFEST_FORMAT) throw bad(`format is ${JSON.stringify(raw.format)}, expected "${MANIFEST_FORMAT}"`);
  if (typeof raw.formatVersion !== 'number' || raw.formatVersion > MANIFEST_FORMAT_VERSION) {
    throw bad(`formatVersion ${JSON.stringify(raw.formatVersion)} is newer than this tool understands (${MANIFEST_FORMAT_VERSION})`);
  }
  if (!Array.isArray(raw.files)) throw bad('files is not an array');
  for (const f of raw.files as unknown[]) {
    if (!isObj(f) || typeof f.path !== 'string' || typeof f.bytes !== 'number' || typeof f.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(f.sha256)) {
      throw bad(`bad file entry ${JSON.stringify(f).slice(0, 120)}`);
    }
  }
  if (!Array.isArray(raw.collections)) throw bad('collections is not an array');
  for (const c of raw.collections as unknown[]) {
    if (!isObj(c) || typeof c.id !== 'string' || typeof c.name !== 'string' || typeof c.count !== 'number') {
      throw bad(`bad collection entry ${JSON.stringify(c).slice(0, 120)}`);
    }
  }
  return { directories: [], warnings: [], attempts: 1, ...raw } as unknown as Manifest;
}
