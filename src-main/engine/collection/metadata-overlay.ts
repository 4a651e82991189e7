import type { TypedMetadata } from '../util/typed-value.js';
import type { WalRecord } from '../wal/decode-row.js';
import type { FolderContext } from './folder-context.js';
import { loadRecordContents } from '../query/record-contents.js';

/** A record whose visible state comes from WAL rows the metadata segment has not applied yet. */
export interface OverlayRecord {
  id: string;
  internalId: number;
  metadata: TypedMetadata;
  document: string | null;
  uri: string | null;
}

/**
 * The metadata segment plus its WAL tail, replayed in memory with Rust core's apply rules
 * (docs/format.md §5.3), so a reader sees what Chroma would show without writing the backfill.
 * `shadowed` ids must be ignored in the SQL tables; `live` holds their replayed state.
 */
export class MetadataOverlay {
  readonly shadowed = new Set<string>();
  readonly live = new Map<string, OverlayRecord>();
  /** Internal ids of shadowed records that exist in the SQL tables. */
  readonly shadowedInternalIds = new Set<number>();

  /** Shadowed ids that exist in the SQL tables (needed to correct counts). */
  get shadowedInSql(): number {
    return this.shadowedInternalIds.size;
  }

  static empty(): MetadataOverlay {
    return new MetadataOverlay();
  }

  get isEmpty(): boolean {
    return this.shadowed.size === 0;
  }

  static replay(ctx: FolderContext, metadataSegmentId: string | null, rows: WalRecord[]): MetadataOverlay {
    const overlay = new MetadataOverlay();
    if (rows.length === 0) return overlay;
    const { db } = ctx;
    // New rows get rowid max+1 as SQLite would assign them when Chroma applies the tail.
    let nextInternalId = Number((db.prepare('SELECT coalesce(max(id), 0) AS m FROM embeddings').get() as { m: number }).m) + 1;
    const findSql = db.prepare('SELECT id FROM embeddings WHERE segment_id = ? AND embedding_id = ?');
    const state = new Map<string, OverlayRecord | null>();
    const load = (id: string): OverlayRecord | null => {
      if (state.has(id)) return state.get(id)!;
      overlay.shadowed.add(id);
      const row = metadataSegmentId ? (findSql.get(metadataSegmentId, id) as { id: number } | undefined) : undefined;
      let rec: OverlayRecord | null = null;
      if (row) {
        overlay.shadowedInternalIds.add(row.id);
        const contents = loadRecordContents(ctx, [row.id]).get(row.id);
        rec = {
          id,
          internalId: row.id,
          metadata: contents?.metadata ?? new Map(),
          document: contents?.document ?? null,
          uri: contents?.uri ?? null,
        };
      }
      state.set(id, rec);
      return rec;
    };
    const merge = (rec: OverlayRecord, row: WalRecord) => {
      for (const [k, v] of row.metadata) rec.metadata.set(k, v);
      for (const k of row.deletedKeys) rec.metadata.delete(k);
      if (row.document !== undefined) rec.document = row.document;
      if (row.uri !== undefined) rec.uri = row.uri;
    };
    const create = (row: WalRecord): OverlayRecord => ({
      id: row.id,
      internalId: nextInternalId++,
      metadata: new Map(row.metadata),
      document: row.document ?? null,
      uri: row.uri ?? null,
    });
    for (const row of rows) {
      const existing = load(row.id);
      switch (row.operation) {
        case 'ADD':
          if (!existing) state.set(row.id, create(row));
          break;
        case 'UPDATE':
          if (existing) merge(existing, row);
          break;
        case 'UPSERT':
          if (existing) merge(existing, row);
          else state.set(row.id, create(row));
          break;
        case 'DELETE':
          state.set(row.id, null);
          break;
        default:
          break; // BACKFILL_FN and unknown codes change nothing locally
      }
    }
    for (const [id, rec] of state) if (rec) overlay.live.set(id, rec);
    return overlay;
  }
}
