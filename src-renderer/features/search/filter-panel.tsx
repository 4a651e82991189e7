import type { MetadataKeyInfo } from '../../../shared/contract.js';
import { WhereBuilder } from './where-builder.js';
import { DocumentBuilder } from './document-builder.js';
import { JsonEditor } from './json-editor.js';
import type { FilterEditor } from './use-filter-editor.js';

/** `where` and `where_document`, each as a builder next to its editable JSON. */
export function FilterPanel({ editor, keys, onRun }: { editor: FilterEditor; keys: MetadataKeyInfo[]; onRun?(): void }) {
  return (
    <div className="filter-panel">
      <div className="filter-row">
        <div className="filter-builder">
          <div className="filter-title">
            where <span className="muted">metadata</span>
          </div>
          <WhereBuilder value={editor.where.group} onChange={editor.setWhereGroup} errors={editor.whereErrors} keys={keys} />
        </div>
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
      </div>
      <div className="filter-row">
        <div className="filter-builder">
          <div className="filter-title">
            where_document <span className="muted">document text</span>
          </div>
          <DocumentBuilder value={editor.doc.group} onChange={editor.setDocGroup} errors={editor.docErrors} />
        </div>
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
      </div>
    </div>
  );
}
