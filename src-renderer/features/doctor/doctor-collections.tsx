import type { DoctorCollection } from '../../../shared/models.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';

const n = (v: number | null) => formatCount(v);

/** Each collection's figures: records, WAL and what the segments applied, HNSW counts, full text. */
export function DoctorCollections({ collections }: { collections: DoctorCollection[] }) {
  if (collections.length === 0) return null;
  return (
    <Section title="Collections" testId="doctor-collections">
      <div className="table-scroll">
        <table className="table table-compact doctor-table">
          <thead>
            <tr>
              <th>Collection</th>
              <th>Tenant / database</th>
              <th className="num">Records</th>
              <th className="num">Documents</th>
              <th className="num" title="Rows in embeddings_queue">WAL rows</th>
              <th className="num" title="WAL rows the vector segment has not applied (not in HNSW)">Not in HNSW</th>
              <th className="num" title="WAL rows Chroma's automatic purge deletes">Purgeable</th>
              <th className="num" title="header.bin elements / deleted">HNSW elements</th>
              <th className="num" title="ids in index_metadata.pickle">Pickle ids</th>
              <th className="num" title="Records with a usable vector">Vectors</th>
              <th className="num" title="Documents a $contains cannot find">FTS missing</th>
              <th>Issues</th>
            </tr>
          </thead>
          <tbody>
            {collections.map((c) => (
              <tr key={c.id} data-testid="doctor-collection" data-name={c.name}>
                <td className="mono">{c.name}</td>
                <td className="muted">
                  {c.tenant} / {c.database}
                </td>
                <td className="num">{n(c.records)}</td>
                <td className="num">{n(c.documents)}</td>
                <td className="num">{n(c.wal.rows)}</td>
                <td className="num">{n(c.wal.vectorLag)}</td>
                <td className="num">{n(c.wal.purgeable)}</td>
                <td className="num">
                  {n(c.hnsw.headerElements)}
                  {c.hnsw.deletedElements ? <span className="muted"> / {n(c.hnsw.deletedElements)} deleted</span> : null}
                </td>
                <td className="num">{n(c.hnsw.pickleIds)}</td>
                <td className="num">{n(c.hnsw.vectors)}</td>
                <td className="num">{c.fts ? n(c.fts.missing + c.fts.wrong) : '—'}</td>
                <td>
                  {c.findings.errors > 0 && <span className="doctor-count doctor-count-error">{c.findings.errors} err</span>}
                  {c.findings.warnings > 0 && <span className="doctor-count doctor-count-warn">{c.findings.warnings} warn</span>}
                  {c.findings.errors === 0 && c.findings.warnings === 0 && <span className="muted">ok</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Section>
  );
}
