import type { ReactNode } from 'react';
import type { MetadataKeyInfo } from '../../../shared/contract.js';
import { WhereBuilder } from './where-builder.js';
import { DocumentBuilder } from './document-builder.js';
import { JsonEditor } from './json-editor.js';
import type { FilterEditor } from './use-filter-editor.js';

/** Builders on the left; their editable JSON (and the caller's `aside`, e.g. code) on the right. */
export function FilterPanel({ editor, keys, onRun, aside }: { editor: FilterEditor; keys: MetadataKeyInfo[]; onRun?(): void; aside?: ReactNode }) {
  return (
    <div className="filter-panel">
      <div className="filter-builders">
        <div className="filter-builder">
          <div className="filter-title">
            where <span className="muted">· metadata</span>
          </div>
          <WhereBuilder value={editor.where.group} onChange={editor.setWhereGroup} errors={editor.whereErrors} keys={keys} />
        </div>
        <div className="filter-builder">
          <div className="filter-title">
            where_document <span className="muted">· document text</span>
          </div>
          <DocumentBuilder value={editor.doc.group} onChange={editor.setDocGroup} errors={editor.docErrors} />
        </div>
      </div>
      <div className="filter-json">
        <JsonEditor
          label="where (JSON)"
          value={editor.where.text}
          onChange={editor.setWhereText}
          note={editor.where.note}
          jsonError={editor.where.jsonError}
          testId="where-json"
          placeholder='{"genre": {"$eq": "fiction"}}'
          onRun={onRun}
        />
        <JsonEditor
          label="where_document (JSON)"
          value={editor.doc.text}
          onChange={editor.setDocText}
          note={editor.doc.note}
          jsonError={editor.doc.jsonError}
          testId="where-document-json"
          placeholder='{"$contains": "text"}'
          onRun={onRun}
        />
        {aside}
      </div>
    </div>
  );
}
