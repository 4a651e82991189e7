import { useMemo, useState } from 'react';
import type { DocGroup, WhereGroup } from './filter-model.js';
import { documentKind, emptyDocument, emptyWhere, fromBuilder, fromText, resolveFilter, whereKind, type SyncState } from './filter-sync.js';
import type { Json } from './filter-to-json.js';

export interface FilterEditor {
  where: SyncState<WhereGroup>;
  doc: SyncState<DocGroup>;
  whereErrors: Map<string, string>;
  docErrors: Map<string, string>;
  setWhereGroup(g: WhereGroup): void;
  setDocGroup(g: DocGroup): void;
  setWhereText(t: string): void;
  setDocText(t: string): void;
  reset(): void;
  /** What Run would send, or why it can't. */
  resolved: { ok: true; where: unknown; whereDocument: unknown; whereJson: Json | undefined; docJson: Json | undefined } | { ok: false; error: string };
}

/** Builder + JSON text for both `where` and `whereDocument`, kept in sync. */
export function useFilterEditor(): FilterEditor {
  const [where, setWhere] = useState(emptyWhere);
  const [doc, setDoc] = useState(emptyDocument);
  return useMemo(() => {
    const w = resolveFilter(where, whereKind, 'where');
    const d = resolveFilter(doc, documentKind, 'where_document');
    const resolved: FilterEditor['resolved'] =
      w.ok && d.ok ? { ok: true, where: w.value, whereDocument: d.value, whereJson: w.json, docJson: d.json } : { ok: false, error: (!w.ok ? w.error : !d.ok ? d.error : '') };
    return {
      where,
      doc,
      whereErrors: whereKind.build(where.group).errors,
      docErrors: documentKind.build(doc.group).errors,
      setWhereGroup: (g) => setWhere(fromBuilder(g, whereKind)),
      setDocGroup: (g) => setDoc(fromBuilder(g, documentKind)),
      setWhereText: (t) => setWhere((prev) => fromText(prev, t, whereKind)),
      setDocText: (t) => setDoc((prev) => fromText(prev, t, documentKind)),
      reset: () => {
        setWhere(emptyWhere());
        setDoc(emptyDocument());
      },
      resolved,
    };
  }, [where, doc]);
}
