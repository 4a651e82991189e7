import type { MetadataScalar, MetadataValue } from '../../../shared/models.js';
import { formatScalar, scalarKind, valueKind } from './format.js';

/**
 * A metadata value styled by kind: strings plain, ints and floats in different colours (floats
 * always with a decimal point), bools as pills, arrays bracketed with their items typed.
 */
export function TypedValue({ value, declared }: { value: MetadataValue | null | undefined; declared?: readonly string[] }) {
  const kind = valueKind(value, declared);
  if (Array.isArray(value)) {
    return (
      <span className="tv tv-array" data-kind="array" title={`array of ${value.length}`}>
        <span className="tv-bracket">[</span>
        {value.map((v, i) => (
          <span key={i} className="tv-item">
            <Scalar value={v} declared={declared} />
            {i < value.length - 1 && <span className="tv-sep">, </span>}
          </span>
        ))}
        <span className="tv-bracket">]</span>
      </span>
    );
  }
  if (value === undefined) return <span className="tv tv-absent" data-kind="absent" />;
  if (kind === 'null') return <span className="tv tv-null" data-kind="null">null</span>;
  return <Scalar value={value as MetadataScalar} declared={declared} />;
}

function Scalar({ value, declared }: { value: MetadataScalar | null; declared?: readonly string[] }) {
  const kind = scalarKind(value, declared);
  const text = formatScalar(value, kind);
  return (
    <span className={`tv tv-${kind}`} data-kind={kind} title={`${kind}: ${text}`}>
      {kind === 'string' ? text : text}
    </span>
  );
}

/** A full metadata object as a typed key/value table (detail panels). */
export function MetadataTable({ metadata, types }: { metadata: Record<string, MetadataValue> | null | undefined; types?: Record<string, string[]> }) {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return <div className="muted">No metadata</div>;
  return (
    <table className="meta-table">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td className="meta-kind">{valueKind(v, types?.[k])}</td>
            <td>
              <TypedValue value={v} declared={types?.[k]} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `key: value · key: value` on one line (grid cells); deleted keys struck through. */
export function MetadataInline({ metadata, deleted = [] }: { metadata: Record<string, MetadataValue> | null | undefined; deleted?: string[] }) {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0 && deleted.length === 0) return <span className="tv tv-null">—</span>;
  return (
    <span className="meta-inline">
      {entries.map(([k, v]) => (
        <span key={k} className="meta-pair">
          <span className="meta-key">{k}</span>
          <TypedValue value={v} />
        </span>
      ))}
      {deleted.map((k) => (
        <span key={`-${k}`} className="meta-pair meta-deleted" title="Deleted by this row">
          <span className="meta-key">{k}</span>
        </span>
      ))}
    </span>
  );
}
