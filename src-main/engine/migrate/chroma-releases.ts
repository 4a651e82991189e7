import { invalidArgument } from '../../../shared/errors.js';
import { MIGRATIONS, METADB_00001_V040, type KnownMigration } from '../folder/migration-catalogue.js';
import { chromaMigrations } from '../write/migration-files.js';

/**
 * The Chroma releases whose migration sets we know, and how to name one on the command line
 * (docs/format.md §2.3, §2.7).
 *
 * Two release lines number the same Rust core differently:
 * - `python`: the `chromadb` package on PyPI, its Docker image and `chroma run` from pip — the
 *   numbers Chroma's release notes use, and the ones the migration catalogue's `firstRelease`
 *   gives. Written `1.3.4`.
 * - `js`: the npm packages `chromadb-js-bindings-<platform>`, the Rust core the `chromadb` JS
 *   client embeds (what this project's tests run as "real Chroma"). Written `js-1.3.4`.
 */
export type ReleaseLine = 'python' | 'js';

export type MigrationDir = KnownMigration['dir'];

/** One migration file a release ships. `sql` is null only for 0.4.0's own metadb/00001, which we do not carry. */
export interface ShippedMigration {
  dir: MigrationDir;
  version: number;
  filename: string;
  md5: string;
  sql: string | null;
}

export interface ChromaRelease {
  line: ReleaseLine;
  /** The range as a user reads it, e.g. `0.5.6-0.6.3`, `js 1.0.9-1.2.x`. */
  label: string;
  /** First version of the range (inclusive) and the first version after it. */
  from: string;
  until: string;
  rustCore: boolean;
  /** Every migration the release ships, per dir by version. */
  shipped: ShippedMigration[];
}

/** A release a user named, with the exact version they gave. */
export interface ResolvedRelease {
  release: ChromaRelease;
  version: string;
  /** `Chroma 1.3.4` or `Chroma JS bindings 1.3.4`. */
  name: string;
}

/** Python ranges: where each catalogue `firstRelease` starts a new migration set (docs/format.md §2.5). */
const PYTHON_RANGES: { label: string; from: string; until: string }[] = [
  { label: '0.4.0', from: '0.4.0', until: '0.4.1' },
  { label: '0.4.1-0.4.3', from: '0.4.1', until: '0.4.4' },
  { label: '0.4.4-0.4.5', from: '0.4.4', until: '0.4.6' },
  { label: '0.4.6-0.4.14', from: '0.4.6', until: '0.4.15' },
  { label: '0.4.15-0.4.24', from: '0.4.15', until: '0.5.0' },
  { label: '0.5.0', from: '0.5.0', until: '0.5.1' },
  { label: '0.5.1-0.5.3', from: '0.5.1', until: '0.5.4' },
  { label: '0.5.4-0.5.5', from: '0.5.4', until: '0.5.6' },
  { label: '0.5.6-0.6.3', from: '0.5.6', until: '1.0.0' },
  { label: '1.0-1.2', from: '1.0.0', until: '1.3.0' },
  { label: '1.3-1.4', from: '1.3.0', until: '1.5.0' },
  // The newest series the catalogue knows; a later minor may ship migrations we do not know.
  { label: '1.5', from: '1.5.0', until: '1.6.0' },
];

/**
 * JS-bindings ranges, from the migration files in Chroma's source at each bindings release commit
 * (docs/format.md §2.7), each with the Python release whose migration set it ships.
 */
const JS_RANGES: { label: string; from: string; until: string; sameAsPython: string }[] = [
  { label: 'js 0.0.2-1.0.8', from: '0.0.2', until: '1.0.9', sameAsPython: '1.0.0' },
  { label: 'js 1.0.9-1.2.x', from: '1.0.9', until: '1.3.0', sameAsPython: '1.3.0' },
  { label: 'js 1.3.x', from: '1.3.0', until: '1.4.0', sameAsPython: '1.5.0' },
];

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const DIR_ORDER: Record<MigrationDir, number> = { sysdb: 0, metadb: 1, embeddings_queue: 2 };

function shippedBy(pythonVersion: string): ShippedMigration[] {
  const files = new Map(chromaMigrations().map((m) => [`${m.dir}/${m.version}`, m.sql]));
  const out: ShippedMigration[] = [];
  for (const m of MIGRATIONS) {
    if (m.dir === 'metadb' && m.version === 1 && compareVersions(pythonVersion, '0.4.1') < 0) {
      // 0.4.0 shipped a different metadb/00001 under the same name (docs/format.md §2.3).
      out.push({ dir: m.dir, version: 1, filename: m.filename, md5: METADB_00001_V040.md5, sql: null });
      continue;
    }
    if (compareVersions(m.firstRelease, pythonVersion) <= 0) {
      out.push({ dir: m.dir, version: m.version, filename: m.filename, md5: m.md5, sql: files.get(`${m.dir}/${m.version}`) ?? null });
    }
  }
  return out.sort((a, b) => DIR_ORDER[a.dir] - DIR_ORDER[b.dir] || a.version - b.version);
}

let cache: ChromaRelease[] | null = null;

/** Every known release range, Python first, each line oldest first. */
export function knownReleases(): ChromaRelease[] {
  cache ??= [
    ...PYTHON_RANGES.map((r) => ({ line: 'python' as const, ...r, rustCore: compareVersions(r.from, '1.0.0') >= 0, shipped: shippedBy(r.from) })),
    ...JS_RANGES.map(({ sameAsPython, ...r }) => ({ line: 'js' as const, ...r, rustCore: true, shipped: shippedBy(sameAsPython) })),
  ];
  return cache;
}

const VERSION = /^(?:(js|npm|python|py)[-:@]?)?v?(\d+)\.(\d+)(?:\.(\d+))?$/i;

/** The syntax `--to` accepts, for messages. */
export const RELEASE_SYNTAX = 'a Chroma version such as 1.3.4 (the chromadb Python package / Docker image) or js-1.3.4 (the chromadb-js-bindings npm package)';

/** Resolves `1.3.4`, `v0.5.0`, `js-1.3.4`, `npm:1.0.1`… to the release range holding it. */
export function resolveRelease(spec: string): ResolvedRelease {
  const m = VERSION.exec(spec.trim());
  if (!m) throw invalidArgument(`"${spec}" is not a Chroma version: give ${RELEASE_SYNTAX}`);
  const line: ReleaseLine = m[1] && /^(js|npm)$/i.test(m[1]) ? 'js' : 'python';
  const version = `${Number(m[2])}.${Number(m[3])}.${Number(m[4] ?? 0)}`;
  const ranges = knownReleases().filter((r) => r.line === line);
  const release = ranges.find((r) => compareVersions(version, r.from) >= 0 && compareVersions(version, r.until) < 0);
  const name = line === 'js' ? `Chroma JS bindings ${version}` : `Chroma ${version}`;
  if (!release) {
    const first = ranges[0]!;
    const last = ranges[ranges.length - 1]!;
    if (compareVersions(version, first.from) < 0) {
      throw invalidArgument(
        line === 'python'
          ? `${name} predates the SQLite format (Chroma before 0.4 stored duckdb+parquet); give a version from 0.4.0 on`
          : `${name} is older than any JS bindings release this tool knows (the first is ${first.from})`,
      );
    }
    throw invalidArgument(
      `${name} is newer than the releases this tool knows (up to ${line === 'js' ? 'js ' : ''}${last.label}): it may ship migrations this tool cannot reproduce`,
    );
  }
  return { release, version, name };
}
