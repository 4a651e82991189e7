import type { CollectionSummary } from '../../../shared/models.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';

/** Every collection of the source with its counts; a click opens it (shared by folder and server overviews). */
export function CollectionsTable({ collections, onSelect }: { collections: CollectionSummary[]; onSelect(id: string): void }) {
  if (collections.length === 0) return null;
  return (
    <Section title="Collections" testId="overview-collections">
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Tenant / database</th>
            <th className="num">Records</th>
            <th className="num">Dimension</th>
            <th>Id</th>
          </tr>
        </thead>
        <tbody>
          {collections.map((c) => (
            <tr key={c.id} className="clickable" onClick={() => onSelect(c.id)} data-testid={`overview-collection-${c.name}`}>
              <td>
                <b>{c.name}</b>
              </td>
              <td className="muted">
                {c.tenant}/{c.database}
              </td>
              <td className="num">{formatCount(c.count)}</td>
              <td className="num">{c.dimension ?? '—'}</td>
              <td className="mono muted">{c.id}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
