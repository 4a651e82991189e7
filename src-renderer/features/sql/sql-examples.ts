/** Starting points for the SQL console. */
export const SQL_EXAMPLES: { label: string; sql: string }[] = [
  { label: 'Tables', sql: "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name;" },
  { label: 'Collections', sql: 'SELECT * FROM collections;' },
  { label: 'Segments', sql: 'SELECT * FROM segments;' },
  { label: 'Records per segment', sql: 'SELECT segment_id, count(*) AS records FROM embeddings GROUP BY segment_id;' },
  { label: 'Metadata keys', sql: 'SELECT key, count(*) AS n FROM embedding_metadata GROUP BY key ORDER BY n DESC;' },
  { label: 'WAL by operation', sql: 'SELECT topic, operation, count(*) AS n, min(seq_id), max(seq_id) FROM embeddings_queue GROUP BY topic, operation;' },
  { label: 'max_seq_id', sql: 'SELECT * FROM max_seq_id;' },
  { label: 'Migrations', sql: 'SELECT dir, version, filename FROM migrations ORDER BY dir, version;' },
];
