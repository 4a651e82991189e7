import type { SegmentInfo, VectorSegmentState } from '../../../shared/models.js';
import { Badge } from '../../components/badge.js';
import { ProblemList } from '../../components/problem-list.js';
import { KeyValues } from '../../components/section.js';
import { formatBytes, formatCount } from '../../components/value/format.js';
import { MetadataTable } from '../../components/value/typed-value.js';

/** A segment: scope, type, max_seq_id (and how it is stored); for vectors, the HNSW checkpoint. */
export function SegmentCard({ segment: s }: { segment: SegmentInfo }) {
  return (
    <div className="segment" data-testid="segment-card" data-scope={s.scope}>
      <div className="segment-head">
        <Badge tone={s.scope === 'VECTOR' ? 'accent' : 'info'}>{s.scope}</Badge>
        <code className="segment-type">{s.type}</code>
        <span className="spacer" />
        <code className="muted">{s.id}</code>
      </div>
      <KeyValues
        rows={[
          ['max_seq_id', s.maxSeqId === null ? '—' : <span key="m">{formatCount(s.maxSeqId)} <span className="muted">({s.maxSeqIdEncoding})</span></span>],
        ]}
      />
      {s.metadata && Object.keys(s.metadata).length > 0 && (
        <details className="segment-more">
          <summary>Segment metadata</summary>
          <MetadataTable metadata={s.metadata} />
        </details>
      )}
      {s.vector && <VectorState v={s.vector} />}
    </div>
  );
}

function VectorState({ v }: { v: VectorSegmentState }) {
  return (
    <div className="vector-state">
      <div className="vector-stats">
        <Stat label="Persisted elements" value={formatCount(v.persistedElements)} testId="segment-persisted" />
        <Stat label="Deleted in checkpoint" value={formatCount(v.deletedElements)} />
        <Stat label="Pending WAL rows" value={formatCount(v.pendingWalRows)} tone={v.pendingWalRows > 0 ? 'warn' : undefined} testId="segment-pending" />
        <Stat label="Checkpoint" value={v.checkpointUsable ? 'usable' : 'unusable'} tone={v.checkpointUsable ? 'ok' : 'error'} />
      </div>
      <KeyValues
        rows={[
          ['Folder', <span key="f" className="mono">{v.folder} {!v.folderExists && <Badge tone="warn">missing</Badge>}</span>],
          ['Files', v.files.length ? v.files.map((f) => `${f.path.split(/[\\/]/).pop()} ${formatBytes(f.bytes)}`).join(' · ') : '—'],
        ]}
      />
      <div className="two-col">
        <div>
          <h4>HNSW header</h4>
          {v.header ? (
            <KeyValues
              rows={[
                ['dim', v.header.dim],
                ['cur_element_count', formatCount(v.header.curElementCount)],
                ['max_elements', formatCount(v.header.maxElements)],
                ['M / maxM / maxM0', `${v.header.M} / ${v.header.maxM} / ${v.header.maxM0}`],
                ['ef_construction', v.header.efConstruction],
                ['max_level', v.header.maxLevel],
                ['enterpoint_node', v.header.enterpointNode],
                ['size_data_per_element', formatBytes(v.header.sizeDataPerElement)],
                ['offsets (level0 / data / label)', `${v.header.offsetLevel0} / ${v.header.offsetData} / ${v.header.labelOffset}`],
                ['mult', v.header.mult.toPrecision(6)],
                ['persistence version', v.header.persistenceVersion],
              ]}
            />
          ) : (
            <div className="muted">No header (no checkpoint yet)</div>
          )}
        </div>
        <div>
          <h4>index_metadata.pickle</h4>
          {v.pickle ? (
            <KeyValues
              rows={[
                ['form', v.pickle.form],
                ['class', v.pickle.className ?? '—'],
                ['dimensionality', v.pickle.dimensionality ?? '—'],
                ['total_elements_added', v.pickle.totalElementsAdded === null ? '—' : formatCount(v.pickle.totalElementsAdded)],
                ['max_seq_id', v.pickle.maxSeqId === null ? '—' : formatCount(v.pickle.maxSeqId)],
                ['id_to_label', formatCount(v.pickle.idToLabelCount)],
                ['label_to_id', formatCount(v.pickle.labelToIdCount)],
                ['id_to_seq_id', formatCount(v.pickle.idToSeqIdCount)],
              ]}
            />
          ) : (
            <div className="muted">No pickle</div>
          )}
        </div>
      </div>
      {v.problems.length > 0 && <ProblemList problems={v.problems} />}
    </div>
  );
}

function Stat({ label, value, tone, testId }: { label: string; value: string; tone?: 'ok' | 'warn' | 'error'; testId?: string }) {
  return (
    <div className={`stat${tone ? ` stat-${tone}` : ''}`} data-testid={testId}>
      <div className="stat-value">{value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
