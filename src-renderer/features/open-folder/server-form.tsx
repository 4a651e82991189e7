import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ServerOpenSpec } from '../../app/workspace-context.js';
import type { RecentServer } from '../../app/recent-servers.js';
import { canKeepSecrets } from '../../app/server-secrets.js';
import { serverAuthFromForm } from './server-auth.js';
import { ServerFields, serverFieldsFrom, type ServerFieldsValue } from './server-fields.js';

interface Props {
  /** A recent server whose secret must be typed again: the form starts from it. */
  draft: RecentServer | null;
  opening: boolean;
  onOpen(spec: ServerOpenSpec): void;
}

/** A running Chroma server: URL, tenant and database (optional), the kind of auth and its secret. */
export function ServerForm({ draft, opening, onOpen }: Props) {
  const [fields, setFields] = useState<ServerFieldsValue>(() => serverFieldsFrom(draft));
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const secretRef = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const keep = canKeepSecrets();
  const { url, tenant, database, auth } = fields;

  // A recent entry asking for its secret: take its fields, and put the cursor where typing goes.
  useEffect(() => {
    if (!draft) return;
    setFields(serverFieldsFrom(draft));
    setError(null);
    requestAnimationFrame(() => secretRef.current?.focus());
  }, [draft]);

  const change = (patch: Partial<ServerFieldsValue>) => {
    setFields((f) => ({ ...f, ...patch }));
    if (patch.auth) setError(null);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!url.trim()) return;
    const c = serverAuthFromForm(url, auth);
    if (!c.ok) {
      setError(c.error);
      return;
    }
    onOpen({ url: c.url, tenant, database, auth: c.kind, ...(c.credentials ? { credentials: c.credentials } : {}), remember: keep && remember });
  };

  return (
    <form className="server-form" onSubmit={submit} data-testid="server-form">
      <div className="form-rows">
        <ServerFields
          prefix="server"
          value={fields}
          onChange={change}
          secretRef={secretRef}
          autoFocus={!draft}
          tenantHint="Optional: the server's default tenant, or the one your credentials belong to."
          databaseHint="Optional: default_database when empty."
        />
      </div>
      {error && (
        <div className="inline-error" role="alert" data-testid="server-form-error">
          {error}
        </div>
      )}
      <div className="server-form-actions">
        {auth.kind !== 'none' &&
          (keep ? (
            <label className="check" title="Encrypted with the system keychain (Electron safeStorage), never written in plain text">
              <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} data-testid="server-remember" /> Keep the secret on this computer (encrypted)
            </label>
          ) : (
            <span className="muted" data-testid="server-secret-note">
              The browser never stores the secret: you type it again next time.
            </span>
          ))}
        <span className="spacer" />
        <button type="submit" className="btn btn-primary" disabled={!url.trim() || opening} data-testid="server-open">
          {opening ? 'Connecting…' : 'Connect'}
        </button>
      </div>
    </form>
  );
}
