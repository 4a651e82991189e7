import type { Input } from '../../../shared/contract.js';
import type { InspectorError } from '../../../shared/errors.js';
import type { FolderInfo } from '../../../shared/models.js';
import { serverAuthFromForm } from '../open-folder/server-auth.js';
import type { ServerFieldsValue } from '../open-folder/server-fields.js';

export type CopyTargetKind = 'folder' | 'server';

/** The copy card's form, as typed. */
export interface CopyForm {
  /** The collection to copy; null: every collection of `scope`. */
  collectionId: string | null;
  /** The tenant/database whose every collection is copied when no collection is named. */
  scope?: { tenant: string; database: string };
  kind: CopyTargetKind;
  folder: string;
  server: ServerFieldsValue;
  resume: boolean;
}

export type CopyInputResult = { ok: true; input: Input<'copyTo'> } | { ok: false; error: string };

/**
 * The form → the contract's copyTo input. A server target's URL and auth go through the open
 * screen's mapping (server-auth.ts), so both forms accept and refuse the same things; empty
 * tenant/database are left out for the engine's defaults.
 */
export function copyInputFromForm(handle: string, form: CopyForm): CopyInputResult {
  const base = { handle, ...(form.collectionId ? { collectionId: form.collectionId } : form.scope ? { scope: form.scope } : {}), resume: form.resume };
  if (form.kind === 'folder') {
    const path = form.folder.trim();
    if (!path) return { ok: false, error: 'Type the folder to copy into' };
    return { ok: true, input: { ...base, target: { kind: 'folder', path } } };
  }
  const s = form.server;
  if (!s.url.trim()) return { ok: false, error: "Type the target server's URL" };
  const auth = serverAuthFromForm(s.url, s.auth);
  if (!auth.ok) return auth;
  const tenant = s.tenant.trim();
  const database = s.database.trim();
  return {
    ok: true,
    input: {
      ...base,
      target: { kind: 'server', url: auth.url, ...(tenant ? { tenant } : {}), ...(database ? { database } : {}), ...(auth.credentials ? { credentials: auth.credentials } : {}) },
    },
  };
}

/** What a copy of "every collection" reads: a server source's own scope, a folder's default one. */
export function sourceScope(info: Pick<FolderInfo, 'server'>): { tenant: string; database: string } {
  return info.server ? { tenant: info.server.tenant, database: info.server.database } : { tenant: 'default_tenant', database: 'default_database' };
}

/** The engine's refusal to write into a target collection that already holds records. */
export interface CopyConflict {
  collection: string | null;
  targetCount: number | null;
  message: string;
}

/**
 * The refusal that `resume` lifts, or null. A restore's "never writes into an existing
 * collection" is a conflict too, but resuming does not apply to it: only the copy's refusal
 * carries the target's count (and the engine's --resume hint).
 */
export function copyConflictOf(err: InspectorError): CopyConflict | null {
  const d = err.details;
  if (err.code !== 'INVALID_ARGUMENT' || d?.conflict !== true) return null;
  const targetCount = typeof d.targetCount === 'number' ? d.targetCount : null;
  if (targetCount === null && !/--resume/.test(err.message)) return null;
  return { collection: typeof d.collection === 'string' ? d.collection : null, targetCount, message: err.message };
}
