import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { InspectorError, invalidArgument } from '../../shared/errors.js';
import type { ChromaFolder } from '../engine/chroma-folder.js';
import { detectActivity, processesHoldingOffThread } from '../engine/folder/activity.js';
import { SQLITE_FILE } from '../engine/folder/folder-files.js';
import { runGet, type MatchedRecord } from '../engine/query/run-get.js';
import { validateGetArgs } from '../engine/query/validate-args.js';
import { typedScalarJson, type TypedMetadata, type TypedValue } from '../engine/util/typed-value.js';
import { parseWalMetadata } from '../engine/wal/typed-json.js';
import { writeEraOf } from '../engine/write/write-era.js';

/**
 * The inspector's record edits, between the contract and the write engine: the checks before
 * writes are enabled, metadata input typed the way Chroma types it, and metadata shown as JSON
 * text that keeps those types.
 */

/**
 * Whether this folder may be written from here. Refuses (FOLDER_BUSY) while another process has
 * chroma.sqlite3 open unless forced, and (READ_ONLY) for eras the write engine refuses, with its
 * own message. Other signs of activity come back as a warning. The process scan runs in a worker
 * thread (holder-scan.ts): on a desktop it reads tens of thousands of fd links.
 */
export async function checkWritable(folder: ChromaFolder, force: boolean): Promise<{ warning?: string }> {
  const file = join(folder.dir, SQLITE_FILE);
  // The write engine's own verdict on the era, from the read connection: nothing is opened for writing yet.
  writeEraOf(folder.ctx.era, folder.ctx.probe);
  for (const target of [folder.dir, file]) {
    try {
      accessSync(target, constants.W_OK);
    } catch {
      throw new InspectorError('READ_ONLY', `${target} is not writable by this user: the folder can be read but not written`, { path: target });
    }
  }
  const pids = await processesHoldingOffThread(file);
  const activity = detectActivity(folder.dir, pids);
  const holders = activity.reasons.filter((r) => pids.some((p) => r.startsWith(`process ${p} `)));
  const others = activity.reasons.filter((r) => !holders.includes(r));
  if (pids.length > 0 && !force) {
    throw new InspectorError(
      'FOLDER_BUSY',
      `Another process has ${SQLITE_FILE} open (${holders.join('; ') || `pids ${pids.join(', ')}`}); it may be a running Chroma. ` +
        'Chroma takes no lock, so writing beside it corrupts its caches and index files: stop it first, or enable writes with force.',
      { file, pids, reasons: activity.reasons },
    );
  }
  const warnings = [...(pids.length > 0 ? [`writing although ${holders.join('; ') || 'another process has the folder open'}`] : []), ...others];
  return warnings.length > 0 ? { warning: warnings.join('; ') } : {};
}

const RESERVED_PREFIX = 'chroma:';

/** Chroma's metadata key rules, plus the keys Chroma keeps for itself (document, uri). */
function checkKey(key: string): void {
  if (key === '') throw invalidArgument('Metadata key cannot be empty');
  if (key.startsWith('#') || key.startsWith('$')) throw invalidArgument(`Metadata key cannot start with '#' or '$': ${key}`);
  if (key.startsWith(RESERVED_PREFIX)) throw invalidArgument(`Metadata key ${key} is reserved by Chroma (it holds the document or uri)`);
}

/**
 * The metadata a record should end up with: undefined = leave it as it is, null = none, else the
 * typed keys. JSON text is read losslessly (`2.0` a float, `2` an int, big integers exact); an
 * object is typed as the chromadb client types it (integral numbers are ints).
 */
export function metadataInput(input: { metadata?: Record<string, unknown> | null | undefined; metadataJson?: string | undefined }): TypedMetadata | null | undefined {
  if (input.metadata !== undefined && input.metadataJson !== undefined) throw invalidArgument('Give metadata or metadataJson, not both');
  let text: string;
  if (input.metadataJson !== undefined) {
    text = input.metadataJson.trim();
    if (text === '' || text === 'null') return null;
  } else if (input.metadata === undefined) {
    return undefined;
  } else if (input.metadata === null) {
    return null;
  } else {
    text = JSON.stringify(input.metadata);
  }
  let decoded: ReturnType<typeof parseWalMetadata>;
  try {
    decoded = parseWalMetadata(text);
  } catch (err) {
    throw invalidArgument(`Invalid metadata: ${(err as Error).message}`);
  }
  for (const key of [...decoded.values.keys(), ...decoded.nulls]) checkKey(key);
  return decoded.values.size === 0 ? null : decoded.values;
}

/** The record as the read engine sees it now (typed metadata included), or null. */
export function typedRecord(folder: ChromaFolder, collectionId: string, id: string): MatchedRecord | null {
  const [rec] = runGet(folder.collection(collectionId), validateGetArgs({ ids: [id] }), { withContents: true }).records;
  return rec ?? null;
}

/** Which of `ids` exist in the collection. */
export function existingIds(folder: ChromaFolder, collectionId: string, ids: readonly string[]): string[] {
  return runGet(folder.collection(collectionId), validateGetArgs({ ids: [...new Set(ids)] }), { withContents: false }).records.map((r) => r.id);
}

/**
 * The change that turns `current` metadata into `next`: keys to set, and keys to delete (null),
 * as the write engine's update merges them key by key.
 */
export function replacementMetadata(current: TypedMetadata | null, next: TypedMetadata | null): Map<string, TypedValue | null> {
  const out = new Map<string, TypedValue | null>(next ?? []);
  for (const key of current?.keys() ?? []) {
    if (!key.startsWith(RESERVED_PREFIX) && !out.has(key)) out.set(key, null);
  }
  return out;
}

/** Typed metadata as pretty JSON text that `metadataJson` reads back to the same types. */
export function typedMetadataJson(md: TypedMetadata | null): string {
  const entries = [...(md ?? [])].filter(([k]) => !k.startsWith(RESERVED_PREFIX));
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${v.kind === 'array' ? `[${v.items.map(typedScalarJson).join(', ')}]` : typedScalarJson(v)}`);
  return `{\n${lines.join(',\n')}\n}`;
}
