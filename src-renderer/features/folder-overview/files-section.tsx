import { useState } from 'react';
import type { FolderInfo } from '../../../shared/models.js';
import { Badge } from '../../components/badge.js';
import { Section } from '../../components/section.js';
import { formatBytes } from '../../components/value/format.js';
import { groupFiles } from './group-files.js';

/** Files with sizes, grouped: SQLite, each HNSW segment folder, orphans, the rest. */
export function FilesSection({ info }: { info: FolderInfo }) {
  const groups = groupFiles(info.files, info.orphans);
  const [open, setOpen] = useState<Set<string>>(() => new Set(groups.slice(0, 3).map((g) => g.id)));
  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  return (
    <Section title="Files" aside={<span className="muted">{formatBytes(info.totalBytes)} in {info.files.length} files</span>} testId="overview-files">
      <div className="file-groups">
        {groups.map((g) => (
          <div key={g.id} className={`file-group file-group-${g.kind}`} data-testid="file-group" data-kind={g.kind}>
            <button type="button" className="file-group-head" onClick={() => toggle(g.id)} aria-expanded={open.has(g.id)}>
              <span className="tree-caret">{open.has(g.id) ? '▾' : '▸'}</span>
              <span className="file-group-title">{g.kind === 'segment' || g.kind === 'orphan' ? <code>{g.title}</code> : g.title}</span>
              {g.kind === 'segment' && <Badge tone="info">HNSW segment</Badge>}
              {g.kind === 'orphan' && <Badge tone="warn">orphan folder</Badge>}
              <span className="spacer" />
              <span className="muted">{g.files.length} files</span>
              <span className="file-size">{formatBytes(g.bytes)}</span>
            </button>
            {open.has(g.id) && (
              <table className="table table-compact">
                <tbody>
                  {g.files.map((f) => (
                    <tr key={f.path}>
                      <td className="mono">{f.path}</td>
                      <td className="muted">{f.kind}</td>
                      <td className="num">{formatBytes(f.bytes)}</td>
                      <td className="num muted">{f.bytes.toLocaleString('en-US')} B</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        ))}
      </div>
    </Section>
  );
}
