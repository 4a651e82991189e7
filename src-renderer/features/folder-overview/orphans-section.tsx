import type { Orphans } from '../../../shared/models.js';
import { Section } from '../../components/section.js';

/** Leftovers of dropped collections: folders, embeddings rows, max_seq_id rows, missing folders. */
export function OrphansSection({ orphans }: { orphans: Orphans }) {
  const rows: [string, string[]][] = [
    ['Segment folders without a segment', orphans.segmentFolders],
    ['embeddings rows of missing segments', orphans.embeddingRows.map((r) => `${r.segmentId}: ${r.rows.toLocaleString('en-US')} rows`)],
    ['max_seq_id rows of missing segments', orphans.maxSeqIdRows],
    ['Vector segments without a folder', orphans.vectorSegmentsWithoutFolder],
  ];
  const any = rows.some(([, v]) => v.length > 0);
  if (!any) return null;
  return (
    <Section title="Orphans" testId="overview-orphans">
      <dl className="kv">
        {rows
          .filter(([, v]) => v.length > 0)
          .map(([k, v]) => (
            <div className="kv-row" key={k}>
              <dt>{k}</dt>
              <dd>
                {v.map((x) => (
                  <div key={x} className="mono">
                    {x}
                  </div>
                ))}
              </dd>
            </div>
          ))}
      </dl>
    </Section>
  );
}
