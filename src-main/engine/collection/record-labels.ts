import type { FolderContext } from './folder-context.js';
import type { IdBitset } from '../filter/id-bitset.js';
import { runSteps, runStepsSliced, type SliceOptions, type Steps } from '../util/steps.js';
import { takePageRuns, takeRowsById } from '../sqlite/rows-by-id.js';
import { BackgroundBuilds } from '../util/background-builds.js';
import { backgroundTurns } from '../util/idle-slices.js';
import { columnTuning } from '../filter/sql-column-source.js';

/**
 * Ids per lookup when `of` maps a filter's matches to labels in one piece, and per step ahead of
 * a query (4,000 a step took ~70 ms at 5M, where each id's b-tree seek misses the caches).
 */
const LOOKUP_IDS_PER_QUERY = 20_000;
const LOOKUP_IDS_PER_STEP = 2_000;

/** Rows per step when the table is built ahead (tableSteps). */
const TABLE_ROWS_PER_STEP = 10_000;

/** The key of the whole table's background build. */
const TABLE = 'table';

/** embeddings.id → HNSW label (undefined: the record has no vector). */
export interface LabelByInternalId {
  get(internalId: number): number | undefined;
}

/** What the labels are read against: a collection's metadata segment and its loaded vectors. */
export interface LabelSource {
  readonly ctx: FolderContext;
  /** The metadata segment whose rows are mapped; null when the collection has none. */
  readonly segmentId: string | null;
  /** The loaded vectors' record id → label map. */
  readonly idToLabel: ReadonlyMap<string, number>;
  /** Chroma's count of the collection (a match of over half of it builds the whole table). */
  count(): number;
  /** The segment's ids as the filter columns see them (bounds the table's pages); null without a segment. */
  universe(): IdBitset | null;
  /**
   * For a table `of` builds in the background (a call not prepared ahead): the folder's snapshot
   * for its pages, and whether these labels are still current. Without it, `of` builds it in one piece.
   */
  readonly later?: { inSnapshot: InSnapshot; still: () => boolean };
}

type InSnapshot = <T>(fn: () => T) => T;

/**
 * embeddings.id → HNSW label for the records of one loaded vector state, so filtered queries map
 * SQL matches to labels without reading user ids. A first filter that matches a minority of a
 * large collection looks up only its own records (the ids of 100k matches, not of every record: a
 * tenth of the time at a million); the third such call, or a large match, builds the whole table
 * once, which every later filter then reuses. Each of these can also be done ahead of the query,
 * in steps (util/steps.ts), by prepareAhead, which builds a large collection's table in the
 * background instead, while queries go on looking their matches up.
 */
export class RecordLabels {
  private table: LabelByInternalId | null = null;
  private lookups = 0;
  /** The labels prepareAhead looked up for the matches of the query to come, until it takes them. */
  private lookedUpAhead: { ids: readonly number[]; labels: Map<number, number> } | null = null;
  /** The whole table, built in idle slices for a large collection (prepareAhead). */
  private readonly background = new BackgroundBuilds();
  /** tableSteps under way, in the background or in a caller's slices: the table is built once at a time. */
  private tableBuilds = 0;

  /** Whether the table is being built, in the background or in a caller's slices (the map's colours). */
  private get tableBuilding(): boolean {
    return this.tableBuilds > 0 || this.background.has(TABLE);
  }

  constructor(private readonly source: LabelSource) {}

  /** Labels for the records a filter matched (see the class). */
  of(internalIds: readonly number[]): LabelByInternalId {
    if (this.table) return this.table;
    if (this.largeMatch(internalIds.length)) return this.whole();
    // While the table is built in the background, a call looks its own matches up, as the first did.
    if (++this.lookups > 2 && !this.tableInBackground()) return this.whole();
    const ahead = this.lookedUpAhead;
    this.lookedUpAhead = null;
    if (ahead && sameIds(ahead.ids, internalIds)) return { get: (iid) => ahead.labels.get(iid) };
    return runSteps(this.lookupSteps(internalIds, (fn) => fn(), () => true, LOOKUP_IDS_PER_QUERY))!;
  }

  /** The background turns (backgroundTurns) when `of` last found the table building in the background. */
  private slicesAtLastLookup: number | undefined;

  /**
   * Whether the table is built in the background while this call looks its matches up: a build
   * under way that had a turn since the last such call, or one this call starts (a large
   * collection, given `later`). A build given no turn since (synchronous calls back to back, as
   * SqlColumnSource.buildStalled finds) is left to `whole`, as before, one call later.
   */
  private tableInBackground(): boolean {
    const before = this.slicesAtLastLookup;
    this.slicesAtLastLookup = backgroundTurns();
    if (this.background.has(TABLE)) return before !== this.slicesAtLastLookup;
    // Built in a caller's slices (the map's colours): looked up meanwhile, not built a second time.
    if (this.tableBuilds > 0) return true;
    const later = this.source.later;
    if (!later || this.source.count() < columnTuning.backgroundFromRows) return false;
    this.background.start(TABLE, (running) => this.tableSteps(later.inSnapshot, () => running() && later.still()));
    return true;
  }

  /**
   * The labels `of` would give for `internalIds` without reading SQLite: the whole table, or the
   * lookups prepareAhead did for these ids. Null otherwise. Counts no use.
   */
  ready(internalIds: readonly number[]): LabelByInternalId | null {
    if (this.table) return this.table;
    const ahead = this.lookedUpAhead;
    return ahead && sameIds(ahead.ids, internalIds) ? { get: (iid) => ahead.labels.get(iid) } : null;
  }

  /** Counts a use as `of` does, for a query that took its labels from work done ahead (`ready`). */
  countUse(): void {
    if (this.table) return;
    this.lookups++;
    this.lookedUpAhead = null;
  }

  /**
   * The whole table, for every record in the tables: a typed table by internal id (4 bytes a
   * record), or a Map when the ids are too sparse for one. Built once.
   */
  whole(): LabelByInternalId {
    if (!this.table) {
      this.background.stop(TABLE);
      // The steps' pages, run through at once (takePageRuns reads them fastest).
      runSteps(this.tableSteps((fn) => fn(), () => true));
      this.table ??= this.emptyTable().finish();
    }
    return this.table;
  }

  /** Whether the whole table is built. */
  get built(): boolean {
    return this.table !== null;
  }

  /** Whether the whole table is being built in the background (prepareAhead). */
  get buildingInBackground(): boolean {
    return this.background.has(TABLE);
  }

  /** Stops the table's background build, keeping nothing (the reader is retired, or lets its vectors go). */
  stopBackgroundBuild(): void {
    this.background.stop(TABLE);
  }

  /**
   * What `of` is about to do in one piece for a filtered query, done ahead in slices: the whole
   * table once `of` would build it (its third filter, or a match of over half the records), or
   * else the lookups of the matches (`matches`, the filter evaluated ahead; null: it failed), for the query to
   * take. `still` says whether the data and these vectors are still current: once not, the work
   * stops, keeping nothing.
   */
  async prepareAhead(matches: () => Promise<readonly number[] | null>, inSnapshot: InSnapshot, still: () => boolean, slice: SliceOptions): Promise<void> {
    if (this.table) return;
    if (this.lookups + 1 > 2 && !this.tableBuilding) {
      // A large collection's table is built in the background, and this query looks its own
      // matches up, as the first did: the table is a scan of every record (1.8 s at a million,
      // 6–12 s at five million), the lookups of a 1% match a tenth of that. A smaller one's now.
      if (!inSnapshot(() => this.source.count() >= columnTuning.backgroundFromRows)) return runStepsSliced(this.tableSteps(inSnapshot, still), slice);
      this.background.start(TABLE, (running) => this.tableSteps(inSnapshot, () => running() && still()));
    }
    const ids = await matches();
    if (!ids || !still()) return;
    if (inSnapshot(() => this.largeMatch(ids.length))) {
      // Cheaper than looking up over half the records: built for this call, in its slices
      // (unless a caller's slices build it already: then looked up, as while a background one runs).
      this.background.stop(TABLE);
      if (this.tableBuilds === 0) return runStepsSliced(this.tableSteps(inSnapshot, still), slice);
    }
    this.lookedUpAhead = null;
    const looked = await runStepsSliced(this.lookupSteps(ids, inSnapshot, still, LOOKUP_IDS_PER_STEP), slice);
    if (looked && still()) this.lookedUpAhead = { ids, labels: looked.labels };
  }

  /** `of`'s lookups as steps: `perStep` ids at a time. Null once `current` says the data changed. */
  *lookupSteps(
    internalIds: readonly number[],
    inSnapshot: InSnapshot,
    current: () => boolean,
    perStep: number,
  ): Steps<{ get(iid: number): number | undefined; labels: Map<number, number> } | null> {
    const seg = this.source.segmentId;
    const labels = new Map<number, number>();
    // `+segment_id`: seek each id by primary key, not walk the segment's index looking for them.
    const lookup = this.source.ctx.db.prepare('SELECT id, embedding_id FROM embeddings WHERE id IN (SELECT value FROM json_each(?)) AND +segment_id = ?').raw(true);
    for (let i = 0; seg && i < internalIds.length; i += perStep) {
      if (i > 0) yield;
      if (!current()) return null;
      const ids = JSON.stringify(internalIds.slice(i, i + perStep));
      inSnapshot(() => this.eachLabel(lookup.iterate(ids, seg), (iid, label) => labels.set(iid, label)));
    }
    return { get: (iid) => labels.get(iid), labels };
  }

  /**
   * The whole table as steps: the segment's rows `rowsPerStep` at a time in id order, each page
   * in `inSnapshot`. Stops, keeping nothing, once `current` says the data changed.
   */
  *tableSteps(inSnapshot: InSnapshot, current: () => boolean, rowsPerStep = TABLE_ROWS_PER_STEP): Steps<void> {
    const seg = this.source.segmentId;
    if (this.table || !seg) return;
    this.tableBuilds++;
    try {
      yield* this.tablePages(seg, inSnapshot, current, rowsPerStep);
    } finally {
      this.tableBuilds--;
    }
  }

  private *tablePages(seg: string, inSnapshot: InSnapshot, current: () => boolean, rowsPerStep: number): Steps<void> {
    // `+segment_id`: pages in rowid order within the segment's id range (other collections' rows
    // may lie before, after and between), not the segment's (segment_id, embedding_id) index
    // sorted again for each page.
    const { table, page, bounds } = inSnapshot(() => ({
      table: this.emptyTable(),
      page: this.source.ctx.db.prepare('SELECT id, embedding_id FROM embeddings WHERE +segment_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?').raw(true),
      bounds: this.idBounds(seg),
    }));
    if (!bounds) {
      // Ids past 2^53, which pages bounded by numbers would lose or repeat: the segment's rows in
      // one statement, as they were always read.
      yield;
      if (!current()) return;
      inSnapshot(() => this.eachLabel(this.source.ctx.db.prepare('SELECT id, embedding_id FROM embeddings WHERE segment_id = ?').raw(true).iterate(seg), table.take));
      if (current() && !this.table) this.table = table.finish();
      return;
    }
    const { first, last } = bounds;
    for (let after = first - 1; ; ) {
      yield;
      if (!current()) return;
      const read = inSnapshot(() => this.eachLabelRun((from, n) => page.all(seg, from, last, n) as [number, string][], after, rowsPerStep, table.take));
      if (read.rows < rowsPerStep) break;
      after = read.lastId;
    }
    if (current() && !this.table) this.table = table.finish();
  }

  /**
   * The segment's lowest and highest internal ids: the universe's (the filter columns' bit sets),
   * else read. Null when one is past 2^53 (not a safe JavaScript number).
   */
  private idBounds(seg: string): { first: number; last: number } | null {
    const universe = this.source.universe();
    if (universe) return { first: universe.base, last: universe.base + universe.span - 1 };
    const row = this.source.ctx.db.prepare('SELECT min(id), max(id) FROM embeddings WHERE segment_id = ?').raw(true).safeIntegers(true).get(seg) as [bigint | null, bigint | null];
    const [lo, hi] = row;
    if (lo === null || hi === null) return { first: 0, last: -1 };
    const safe = (v: bigint) => v >= BigInt(Number.MIN_SAFE_INTEGER) + 1n && v <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe(lo) && safe(hi) ? { first: Number(lo), last: Number(hi) } : null;
  }

  /** A match of over half the collection: `of` builds the whole table for it. */
  private largeMatch(matches: number): boolean {
    return matches * 2 > this.source.count();
  }

  /** The table `whole` fills: dense by internal id, or a Map for sparse ids. */
  private emptyTable() {
    const maxId = (this.source.ctx.db.prepare('SELECT max(id) FROM embeddings').pluck().get() as number | null) ?? 0;
    const dense = maxId <= Math.max(16 * Math.max(this.source.idToLabel.size, 1), 1 << 20);
    // Label + 1 by internal id, 0 for none: the fresh table is not filled first (a fill of its
    // 20 MB at 5M took ~80 ms in one piece); the pages fill as the steps take their rows.
    const table = dense ? new Int32Array(maxId + 1) : null;
    // Sparse ids, and labels beyond the table's int32 (only a damaged pickle has those).
    const others = new Map<number, number>();
    return {
      take: (iid: number, label: number) => {
        if (table && iid >= 0 && iid < table.length && label < 0x7fffffff) table[iid] = label + 1;
        else others.set(iid, label);
      },
      finish: (): LabelByInternalId => ({
        get: (iid) => {
          const l = table && iid >= 0 && iid < table.length ? table[iid]! - 1 : -1;
          return l >= 0 ? l : others.get(iid);
        },
      }),
    };
  }

  /**
   * (embeddings.id, embedding_id) rows to (internal id, HNSW label), for the records that have a
   * label, given to `take` as they are read (takeRowsById); says how many rows there were, and
   * the last one's id.
   */
  private eachLabel(rows: Iterable<unknown>, take: (internalId: number, label: number) => void): { rows: number; lastId: number } {
    return takeRowsById(rows as Iterable<[number, string]>, this.labelTaker(take));
  }

  /** eachLabel over a page read in runs (takePageRuns). */
  private eachLabelRun(run: (after: number, n: number) => [number, string][], after: number, limit: number, take: (internalId: number, label: number) => void): { rows: number; lastId: number } {
    return takePageRuns(run, after, limit, this.labelTaker(take));
  }

  private labelTaker(take: (internalId: number, label: number) => void): (row: [number, string]) => void {
    const idToLabel = this.source.idToLabel;
    return (row) => {
      const label = idToLabel.get(row[1]);
      if (label !== undefined) take(row[0], label);
    };
  }
}

/** Whether two lists of internal ids are the same, in the same order. */
function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const matchIdArrays = new WeakMap<IdBitset, readonly number[]>();

/** Ids gathered between two pauses (~8% of 5M records, 400,000, took ~100 ms in one piece). */
const MATCH_IDS_PER_STEP = 65_536;

/**
 * A filter's matches (evaluated ahead, and not changed after) as the array of their internal
 * ids, made once per set: the labels looked up ahead and the allowed labels found ahead both
 * take it, and `ready` then knows it by identity instead of comparing a second copy id by id.
 * As steps (util/steps.ts), pausing every MATCH_IDS_PER_STEP ids.
 */
export function* matchIdsSteps(matches: IdBitset): Steps<readonly number[]> {
  const made = matchIdArrays.get(matches);
  if (made) return made;
  const ids: number[] = [];
  for (const id of matches.ids()) {
    ids.push(id);
    if (ids.length % MATCH_IDS_PER_STEP === 0) yield;
  }
  // Another caller may have made it meanwhile: the first one made stays the one all share.
  const first = matchIdArrays.get(matches);
  if (first) return first;
  matchIdArrays.set(matches, ids);
  return ids;
}
