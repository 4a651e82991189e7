import type { FixKind } from '../../../shared/models.js';

/**
 * What the doctor says about each problem the engine's checkpoint and vector checks report
 * (hnsw/checkpoint.ts, collection/checkpoint-wal-check.ts, collection/vector-state.ts,
 * collection/vector-coverage.ts). The engine's messages name files and ids; these texts do not,
 * so a private report can keep them.
 */
export interface CodeExplanation {
  title: string;
  chromaWould: string;
  fix: FixKind | null;
  remedy: string;
}

const REBUILD = 'Rebuild the checkpoint on a copy (`fix --only hnsw-rebuild`): from the WAL rows still present, and sound vectors salvaged from data_level0.bin.';
const UNUSABLE =
  'Rust Chroma loads the files without checking them and answers from whatever they hold, or fails to load the index ("Error loading hnsw index", docs/format.md §9.2, F2); an unusable checkpoint means the vectors must come from the WAL (docs/format.md §6.9).';
const HARMLESS = 'Nothing: Chroma ignores it.';

const EXPLAINED: Record<string, CodeExplanation> = {
  'pickle.corrupt': {
    title: 'index_metadata.pickle cannot be read (truncated or damaged)',
    chromaWould: 'Chroma fails to load the index: "EOF while parsing" in Rust, `EOFError: Ran out of input` in Python (docs/format.md §9.2, F3). The id ↔ label maps are lost, so the checkpoint vectors cannot be tied to records.',
    fix: 'hnsw-rebuild',
    remedy: REBUILD,
  },
  'hnsw.missing-file': { title: 'a file of the HNSW checkpoint is missing', chromaWould: UNUSABLE, fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.bad-header': { title: 'header.bin is damaged', chromaWould: UNUSABLE, fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.truncated': { title: 'a checkpoint file is shorter than its header says', chromaWould: UNUSABLE, fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.size-mismatch': { title: 'data_level0.bin does not fit its header (a torn write or a file from another index)', chromaWould: UNUSABLE, fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.dimension-mismatch': { title: 'the pickle and header.bin disagree on the dimension', chromaWould: UNUSABLE, fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.graph-mismatch': {
    title: "the checkpoint's vectors do not fit its own graph (replaced or garbage data_level0.bin)",
    chromaWould: `${UNUSABLE} Its graph then routes searches through foreign or garbage vectors.`,
    fix: 'hnsw-rebuild',
    remedy: REBUILD,
  },
  'hnsw.damaged-vectors': { title: 'some checkpoint vectors are damaged', chromaWould: 'Chroma loads and ranks the damaged vectors as if they were real: those records come back in wrong places or not at all.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.missing-labels': { title: 'pickle labels that are not live elements of data_level0.bin', chromaWould: 'Those records have no vector in the index: queries never return them, and Chroma fails with "Error finding id" when a query names them (docs/format.md §9.2, F11).', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.duplicate-labels': { title: 'a label is live on two elements', chromaWould: 'Chroma may return either element for the record; which one is undefined.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.bad-label': { title: 'elements carry labels no persist could have written', chromaWould: 'Chroma ignores elements whose label the pickle does not map; the bytes around them may be damaged too.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.unmapped-labels': { title: 'live elements carry labels the pickle no longer maps', chromaWould: 'Chroma ignores them, but the graph still routes through them; the file may not belong to this index.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.phantom-labels': { title: 'live elements newer than the pickle (a persist interrupted between the files and the pickle)', chromaWould: 'Chroma never returns them; their vectors are replayed from the WAL (docs/format.md §6.9).', fix: null, remedy: 'Nothing needed; a re-checkpoint (`fix --only hnsw-rebuild`) drops them.' },
  'hnsw.non-finite-vectors': { title: 'vectors with NaN or infinite components', chromaWould: 'Chroma stores them as given and can never rank them: queries never return those records.', fix: null, remedy: 'Re-embed those records (update them with finite vectors).' },
  'hnsw.bad-link-lists': { title: 'link_lists.bin is damaged (the upper graph levels)', chromaWould: "Chroma's graph walk over damaged links can miss neighbours or fail; the vectors themselves are intact.", fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.graph-unavailable': { title: 'the HNSW graph could not be read', chromaWould: 'Chroma would search a graph that changed or is damaged; the inspector answers such queries exactly.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.trailing-bytes': { title: 'bytes after the last link list', chromaWould: HARMLESS, fix: null, remedy: 'Nothing needed.' },
  'hnsw.not-a-file': { title: 'a checkpoint name is not a regular file', chromaWould: UNUSABLE, fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.unexpected-file': { title: 'a file Chroma does not write sits in the segment folder', chromaWould: HARMLESS, fix: null, remedy: 'Nothing needed; remove it if it is not yours.' },
  'hnsw.wal-mismatch': { title: 'checkpoint vectors differ from the WAL rows the checkpoint holds', chromaWould: 'Chroma answers from the checkpoint as it is: those records are ranked by damaged vectors.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.foreign-file': { title: "the checkpoint's vectors belong to another index (none matches the WAL)", chromaWould: "Chroma answers from another index's vectors: query results are wrong.", fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.pickle-behind-wal': { title: 'the pickle lacks ids that WAL rows it holds added', chromaWould: 'Those records have no label: queries never return them.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'hnsw.seq-ahead': { title: 'the checkpoint claims a WAL seq this database never reached (files from another folder)', chromaWould: 'Chroma trusts the seq and skips WAL rows the checkpoint never held: records are missing from queries.', fix: 'hnsw-rebuild', remedy: REBUILD },
  'wal.dimension': { title: 'WAL vectors of another dimension than the collection', chromaWould: "Chroma's backfill fails on them (dimension mismatch), so the collection cannot be read until they are gone.", fix: null, remedy: 'Delete or re-add those records with vectors of the right dimension.' },
  'wal.add-without-vector': { title: 'WAL ADD rows without an embedding', chromaWould: "Rust Chroma's backfill fails on an ADD without an embedding (docs/format.md §6.8).", fix: null, remedy: 'Re-add those records with embeddings.' },
  'vectors.missing': {
    title: 'records without a usable vector',
    chromaWould: 'Queries never return these records (Chroma answers from the index it has, silently), and `get` with embeddings cannot show them (docs/format.md §6.9 coverage).',
    fix: 'hnsw-rebuild',
    remedy: `${REBUILD} Vectors that neither the WAL nor the files still hold are lost: re-add those records' embeddings, or restore a backup.`,
  },
  'vectors.foreign-ids': {
    title: 'ids in the vector index that are not records of the collection',
    chromaWould: 'Chroma can return ids from the index that `get` does not know (the pickle may come from another collection or folder).',
    fix: 'hnsw-rebuild',
    remedy: REBUILD,
  },
};

/** The doctor's texts for an engine problem code; unknown codes get a generic explanation. */
export function explainCode(code: string): CodeExplanation {
  return (
    EXPLAINED[code] ?? {
      title: `checkpoint problem ${code}`,
      chromaWould: UNUSABLE,
      fix: code.startsWith('hnsw.') || code.startsWith('vectors.') ? 'hnsw-rebuild' : null,
      remedy: REBUILD,
    }
  );
}
