import { useMemo, useState } from 'react';
import { RecordsGrid } from './records-grid.js';
import { parseIdList } from './parse-ids.js';

/** Every record of the collection, paged from the engine; optional quick filter by id(s). */
export function RecordsView() {
  const [idsText, setIdsText] = useState('');
  const [applied, setApplied] = useState('');
  const filter = useMemo(() => {
    const ids = parseIdList(applied);
    return ids.length ? { ids } : undefined;
  }, [applied]);
  return (
    <div className="view-fill" data-testid="records-view">
      <RecordsGrid
        name="records"
        filter={filter}
        empty={filter ? 'No record has these ids' : 'This collection has no records'}
        toolbar={
          <form
            className="toolbar-form"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied(idsText);
            }}
          >
            <input
              className="input input-sm"
              placeholder="Filter by id (comma-separated), Enter"
              value={idsText}
              onChange={(e) => setIdsText(e.target.value)}
              data-testid="records-id-filter"
              spellCheck={false}
            />
            {applied && (
              <button
                type="button"
                className="btn btn-xs"
                onClick={() => {
                  setIdsText('');
                  setApplied('');
                }}
              >
                Clear
              </button>
            )}
          </form>
        }
      />
    </div>
  );
}
