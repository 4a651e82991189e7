import { useOpenFolder } from '../../app/workspace-context.js';
import { Badge } from '../../components/badge.js';
import { ProblemList } from '../../components/problem-list.js';
import { KeyValues, Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import type { FolderInfo, ServerSourceInfo } from '../../../shared/models.js';
import { CollectionsTable } from './collections-table.js';

const AUTH_LABELS: Record<ServerSourceInfo['auth'], string> = {
  none: 'none',
  token: 'token',
  basic: 'basic (user and password)',
  'api-key': 'API key (Chroma Cloud)',
  headers: 'custom headers',
};

/**
 * The overview of a server source: where it is, what it runs, whom it knows us as, and its
 * collections. A server has no files, era or WAL to show; the folder-only views say why.
 */
export function ServerOverview({ info, server }: { info: FolderInfo; server: ServerSourceInfo }) {
  const { collections, selectCollection, secretNotice } = useOpenFolder();
  const records = collections.reduce((n, c) => n + c.count, 0);
  return (
    <div className="page" data-testid="folder-overview" data-source="server">
      <header className="page-head">
        <div>
          <h2 className="page-title">{hostOf(server.url)}</h2>
          <div className="page-sub mono" data-testid="server-url-shown">
            {server.url}
          </div>
        </div>
        <div className="page-badges">
          <Badge tone="accent" testId="server-version">
            Chroma {server.version}
          </Badge>
          <Badge tone="info">API {server.api}</Badge>
          <Badge tone="neutral" title="Read through the server's HTTP API; the inspector writes nothing to it">
            read-only
          </Badge>
        </div>
      </header>

      {secretNotice && (
        <div className="banner banner-warning" role="status" data-testid="secret-notice">
          The secret was not kept, so you will type it again next time: {secretNotice}
        </div>
      )}

      <div className="cards">
        <Section title="Server" testId="overview-server">
          <KeyValues
            rows={[
              ['URL', <code key="u">{server.url}</code>],
              ['Chroma version', <b key="v">{server.version}</b>],
              ['API', server.api],
              ['Auth', AUTH_LABELS[server.auth]],
              ['Max batch size', server.maxBatchSize === null ? '—' : formatCount(server.maxBatchSize)],
            ]}
          />
        </Section>
        <Section title="Scope" testId="overview-scope">
          <KeyValues
            rows={[
              ['Tenant', <code key="t">{server.tenant}</code>],
              ['Database', <code key="d">{server.database}</code>],
              ['Collections', formatCount(collections.length)],
              ['Records', formatCount(records)],
            ]}
          />
        </Section>
        <Section title="Identity" testId="overview-identity">
          {server.identity ? (
            <KeyValues
              rows={[
                ['User', <code key="u">{server.identity.userId || '—'}</code>],
                ['Tenant', <code key="t">{server.identity.tenant}</code>],
                ['Databases', server.identity.databases.length ? server.identity.databases.join(', ') : '—'],
              ]}
            />
          ) : (
            <p className="muted">The server gives no identity (auth off, or a Chroma older than its identity endpoint).</p>
          )}
        </Section>
      </div>

      {info.problems.length > 0 && (
        <Section title="Health" testId="overview-health">
          <ProblemList problems={info.problems} />
        </Section>
      )}

      <CollectionsTable collections={collections} onSelect={(id) => selectCollection(id, 'collection')} />
      {collections.length === 0 && (
        <p className="muted" data-testid="overview-no-collections">
          No collections in {server.tenant}/{server.database}.
        </p>
      )}
    </div>
  );
}

/** `https://api.trychroma.com:443/x` → `api.trychroma.com:443`, for the page title. */
function hostOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(url);
  return m?.[1] ?? url;
}
