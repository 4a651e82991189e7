import { useState } from 'react';
import { serverKey, serverLabel, type RecentServer } from '../../app/recent-servers.js';
import { loadServerSecret } from '../../app/server-secrets.js';
import { useWorkspace } from '../../app/workspace-context.js';
import { authFormFromCredentials } from '../open-folder/server-auth.js';
import { ServerFields, serverFieldsFrom, type ServerFieldsValue } from '../open-folder/server-fields.js';
import type { CopyTargetKind } from './copy-input.js';
import { Field, SuggestedPathField } from './form-field.js';

interface Props {
  kind: CopyTargetKind;
  onKind(kind: CopyTargetKind): void;
  folder: { value: string; edited: boolean; set(text: string): void; reset(): void };
  /** The tenant/database a folder target receives (the source's). */
  folderScope: string;
  server: ServerFieldsValue;
  onServer(patch: Partial<ServerFieldsValue>): void;
  disabled: boolean;
}

/**
 * Where a copy goes: a folder path, or a Chroma server with the open screen's fields (URL,
 * tenant, database, auth). Rows of the card's `.form-rows`.
 */
export function CopyTargetFields({ kind, onKind, folder, folderScope, server, onServer, disabled }: Props) {
  return (
    <>
      <Field label="Target">
        {() => (
          <div className="seg-toggle copy-kind" role="tablist" aria-label="Kind of target">
            <button type="button" role="tab" aria-selected={kind === 'folder'} className={kind === 'folder' ? 'on' : ''} onClick={() => onKind('folder')} disabled={disabled} data-testid="copy-target-folder">
              Folder
            </button>
            <button type="button" role="tab" aria-selected={kind === 'server'} className={kind === 'server' ? 'on' : ''} onClick={() => onKind('server')} disabled={disabled} data-testid="copy-target-server">
              Chroma server
            </button>
          </div>
        )}
      </Field>
      {kind === 'folder' ? (
        <SuggestedPathField
          label="Folder"
          path={folder}
          testId="copy-folder"
          placeholder="/path/to/chroma-copy"
          disabled={disabled}
          hint={`A new folder, or an existing Chroma folder; collections go into its ${folderScope}.`}
        />
      ) : (
        <>
          <RecentServerPicker onPick={onServer} disabled={disabled} />
          <ServerFields
            prefix="copy-server"
            value={server}
            onChange={onServer}
            disabled={disabled}
            tenantHint="Optional: default_tenant when empty; created on the server if missing."
            databaseHint="Optional: default_database when empty; created if missing."
          />
        </>
      )}
    </>
  );
}

/**
 * Fills the server fields from a recent server. Its secret comes from the desktop app's kept
 * secrets when there is one (nothing new is stored); otherwise the user types it.
 */
function RecentServerPicker({ onPick, disabled }: { onPick(fields: ServerFieldsValue): void; disabled: boolean }) {
  const { recentServers } = useWorkspace();
  const [note, setNote] = useState<string | null>(null);
  if (recentServers.length === 0) return null;

  const pick = async (s: RecentServer) => {
    const kept = s.auth === 'none' ? null : await loadServerSecret(serverKey(s));
    onPick({ ...serverFieldsFrom(s), auth: authFormFromCredentials(s.auth, kept) });
    setNote(s.auth === 'none' ? null : kept ? 'The secret kept on this computer is filled in.' : 'Type its secret below: it is not kept.');
  };
  return (
    <Field label="Recent" hint={note ?? undefined}>
      {(id) => (
        <select
          id={id}
          className="input"
          value=""
          onChange={(e) => {
            const s = recentServers.find((r) => serverKey(r) === e.target.value);
            if (s) void pick(s);
          }}
          disabled={disabled}
          data-testid="copy-server-recent"
        >
          <option value="">Fill in from a recent server…</option>
          {recentServers.map((s) => (
            <option key={serverKey(s)} value={serverKey(s)}>
              {serverLabel(s)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
