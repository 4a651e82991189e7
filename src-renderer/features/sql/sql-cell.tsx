import { truncate } from '../../components/value/format.js';

/** SQL values: NULL, numbers, text, and blobs (as the engine encodes them). */
export function SqlCell({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="tv tv-null">NULL</span>;
  if (typeof value === 'number') return <span className={`tv ${Number.isInteger(value) ? 'tv-int' : 'tv-float'}`}>{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="tv tv-bool">{String(value)}</span>;
  if (typeof value === 'string') return <span title={truncate(value, 2000)}>{truncate(value, 300)}</span>;
  const text = JSON.stringify(value);
  return <span className="tv tv-blob" title={truncate(text, 2000)}>{truncate(text, 200)}</span>;
}
