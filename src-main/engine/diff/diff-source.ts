import type { Space } from '../../../shared/models.js';
import type { TypedMetadata } from '../util/typed-value.js';

/**
 * One side of a diff as the comparison sees it, whatever holds it (a folder, a backup, a Chroma
 * server): collections with their settings, and records read a batch of ids at a time, so no
 * side is ever held in memory beyond one collection's ids and one batch.
 */

/** A record as both sides give it: typed metadata (2.0 stays a float), the stored float32 vector. */
export interface DiffRecord {
  id: string;
  document: string | null;
  uri: string | null;
  metadata: TypedMetadata | null;
  embedding: Float32Array | null;
}

/** A collection's settings, each as the side in use applies it. */
export interface DiffSettings {
  dimension: number | null;
  space: Space;
  maxNeighbors: number;
  efConstruction: number;
  efSearch: number;
  /** The embedding function recorded for the collection (JSON), or null. */
  embeddingFunction: unknown;
  metadata: TypedMetadata | null;
}

export interface DiffCollection {
  readonly tenant: string;
  readonly database: string;
  readonly name: string;
  readonly settings: DiffSettings;
  /** Every id, in the side's get order. */
  ids(): Promise<string[]>;
  /** The records of `ids` the collection holds, by id. */
  records(ids: readonly string[]): Promise<Map<string, DiffRecord>>;
}

/** A side scoped to one tenant and database (a server's API lists no more than that). */
export interface DiffSource {
  /** Path or URL with the tenant/database, for the report (never a secret). */
  readonly label: string;
  readonly tenant: string;
  readonly database: string;
  collections(): Promise<DiffCollection[]>;
  /** By name; NOT_FOUND naming it when the side has no such collection. */
  collection(name: string): Promise<DiffCollection>;
}
