import { useOpenFolder } from '../../app/workspace-context.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';
import { AsyncView } from '../../components/async-view.js';
import { Badge } from '../../components/badge.js';
import { JsonView } from '../../components/json-view.js';
import { ProblemList } from '../../components/problem-list.js';
import { KeyValues, Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import { MetadataTable } from '../../components/value/typed-value.js';
import type { CollectionInfo } from '../../../shared/models.js';
import { SegmentCard } from './segment-card.js';

/** One collection: configuration and where it came from, segments, HNSW checkpoint vs WAL, problems. */
export function CollectionView() {
  const client = useClient();
  const ws = useOpenFolder();
  const id = ws.collection?.id ?? '';
  const { state, cancel, reload } = useAsync(
    (signal, onProgress) => client.call('collectionInfo', { handle: ws.handle, collectionId: id }, { signal, onProgress }),
    [ws.handle, id],
  );
  return (
    <div className="page" data-testid="collection-view">
      <AsyncView state={state} onCancel={cancel} onRetry={reload} loadingLabel="Reading collection…">
        {(info) => (
          <CollectionDetails info={info} noStorage={ws.capabilities.storage} onWal={() => ws.dispatch({ type: 'walFilter', filter: { collectionId: info.id } })} />
        )}
      </AsyncView>
    </div>
  );
}

/** `noStorage`: why the source has no segments or WAL to show (a server source), else null. */
function CollectionDetails({ info, noStorage, onWal }: { info: CollectionInfo; noStorage: string | null; onWal(): void }) {
  const h = info.hnsw;
  return (
    <>
      <header className="page-head">
        <div>
          <h2 className="page-title" data-testid="collection-name">
            {info.name}
          </h2>
          <div className="page-sub mono">
            {info.tenant}/{info.database} · {info.id}
          </div>
        </div>
        <div className="page-badges">
          <Badge tone="accent">{formatCount(info.count)} records</Badge>
          <Badge tone="neutral">{info.dimension ? `${info.dimension}d` : 'no dimension'}</Badge>
          <Badge tone="info">{h.space}</Badge>
          {info.problems.length > 0 && <Badge tone={info.problems.some((p) => p.severity === 'error') ? 'error' : 'warn'}>{info.problems.length} problems</Badge>}
        </div>
      </header>
      <div className="cards">
        <Section title="HNSW configuration" aside={<Badge tone="neutral" title="Where these values came from">from {h.source}</Badge>} testId="collection-hnsw">
          <KeyValues
            rows={[
              ['space', <b key="s">{h.space}</b>],
              ['ef_construction', h.efConstruction],
              ['ef_search', h.efSearch],
              ['max_neighbors (M)', h.maxNeighbors],
              ['num_threads', h.numThreads ?? '—'],
              ['resize_factor', h.resizeFactor],
              ['sync_threshold', h.syncThreshold],
              ['batch_size', h.batchSize],
            ]}
          />
        </Section>
        {!noStorage && (
          <Section
            title="Write-ahead log"
            testId="collection-wal"
            aside={
              <button type="button" className="btn btn-xs" onClick={onWal} data-testid="collection-show-wal">
                Show rows
              </button>
            }
          >
            <KeyValues
              rows={[
                ['WAL rows', formatCount(info.walRows)],
                ['Pending for metadata', info.metadataLag > 0 ? <Badge key="m" tone="warn">{formatCount(info.metadataLag)}</Badge> : '0'],
                ['Pending for vectors', info.vectorLag > 0 ? <Badge key="v" tone="warn">{formatCount(info.vectorLag)}</Badge> : '0'],
              ]}
            />
          </Section>
        )}
        <Section title="Metadata" testId="collection-metadata">
          <MetadataTable metadata={info.metadata} />
        </Section>
      </div>
      <Section title="Health" testId="collection-health">
        <ProblemList problems={info.problems} />
      </Section>
      {noStorage ? (
        <Section title="Segments" testId="collection-segments">
          <p className="muted" data-testid="collection-no-segments">
            {noStorage}
          </p>
        </Section>
      ) : (
        <Section title="Segments" aside={<span className="muted">{info.segments.length}</span>} testId="collection-segments">
          <div className="segments">
            {info.segments.map((s) => (
              <SegmentCard key={s.id} segment={s} />
            ))}
          </div>
        </Section>
      )}
      <Section title="Stored configuration" testId="collection-config">
        <JsonView value={info.configJson} title={noStorage ? 'configuration' : 'config_json_str'} testId="collection-config-json" />
        <JsonView value={info.schemaJson} title={noStorage ? 'schema' : 'schema_str'} testId="collection-schema-json" />
      </Section>
    </>
  );
}
