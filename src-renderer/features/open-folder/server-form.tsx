import { useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import type { ServerOpenSpec } from '../../app/workspace-context.js';
import { AUTH_KINDS, type AuthKind, type RecentServer } from '../../app/recent-servers.js';
import { canKeepSecrets } from '../../app/server-secrets.js';
import { AUTH_LABELS, emptyAuthForm, serverAuthFromForm, type AuthForm } from './server-auth.js';

interface Props {
  /** A recent server whose secret must be typed again: the form starts from it. */
  draft: RecentServer | null;
  opening: boolean;
  onOpen(spec: ServerOpenSpec): void;
}

/** A running Chroma server: URL, tenant and database (optional), the kind of auth and its secret. */
export function ServerForm({ draft, opening, onOpen }: Props) {
  const [url, setUrl] = useState(draft?.url ?? '');
  const [tenant, setTenant] = useState(draft?.tenant ?? '');
  const [database, setDatabase] = useState(draft?.database ?? '');
  const [auth, setAuth] = useState<AuthForm>(() => emptyAuthForm(draft?.auth));
  const [remember, setRemember] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const secretRef = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const keep = canKeepSecrets();

  // A recent entry asking for its secret: take its fields, and put the cursor where typing goes.
  useEffect(() => {
    if (!draft) return;
    setUrl(draft.url);
    setTenant(draft.tenant ?? '');
    setDatabase(draft.database ?? '');
    setAuth(emptyAuthForm(draft.auth));
    setError(null);
    requestAnimationFrame(() => secretRef.current?.focus());
  }, [draft]);

  const set = (patch: Partial<AuthForm>) => {
    setAuth((a) => ({ ...a, ...patch }));
    setError(null);
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
        <Row label="URL" htmlFor="server-url">
          <input
            id="server-url"
            className="input input-lg mono"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="http://localhost:8000 or https://api.trychroma.com"
            spellCheck={false}
            autoComplete="off"
            autoFocus={!draft}
            data-testid="server-url"
          />
        </Row>
        <Row label="Tenant" htmlFor="server-tenant" hint="Optional: the server's default tenant, or the one your credentials belong to.">
          <input id="server-tenant" className="input" value={tenant} onChange={(e) => setTenant(e.target.value)} placeholder="default_tenant" spellCheck={false} data-testid="server-tenant" />
        </Row>
        <Row label="Database" htmlFor="server-database" hint="Optional: default_database when empty.">
          <input id="server-database" className="input" value={database} onChange={(e) => setDatabase(e.target.value)} placeholder="default_database" spellCheck={false} data-testid="server-database" />
        </Row>
        <Row label="Auth" htmlFor="server-auth-kind">
          <select id="server-auth-kind" className="input" value={auth.kind} onChange={(e) => set({ kind: e.target.value as AuthKind })} data-testid="server-auth-kind">
            {AUTH_KINDS.map((k) => (
              <option key={k} value={k}>
                {AUTH_LABELS[k]}
              </option>
            ))}
          </select>
        </Row>
        <SecretFields auth={auth} set={set} secretRef={secretRef} />
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

function Row({ label, htmlFor, hint, children }: { label: string; htmlFor: string; hint?: string; children: ReactNode }) {
  return (
    <div className="form-row">
      <label className="form-label" htmlFor={htmlFor}>
        {label}
      </label>
      <div className="form-control">
        {children}
        {hint && <div className="form-hint">{hint}</div>}
      </div>
    </div>
  );
}

interface SecretProps {
  auth: AuthForm;
  set(patch: Partial<AuthForm>): void;
  secretRef: RefObject<(HTMLInputElement & HTMLTextAreaElement) | null>;
}

/** The secret the chosen kind of auth needs (none for "None"); never autocompleted or spell-checked. */
function SecretFields({ auth, set, secretRef }: SecretProps) {
  const secret = { spellCheck: false, autoComplete: 'off', ref: secretRef } as const;
  switch (auth.kind) {
    case 'none':
      return null;
    case 'bearer':
    case 'x-chroma-token':
      return (
        <Row label="Token" htmlFor="server-token">
          <input id="server-token" type="password" className="input mono" value={auth.token} onChange={(e) => set({ token: e.target.value })} data-testid="server-token" {...secret} />
        </Row>
      );
    case 'basic':
      return (
        <>
          <Row label="User" htmlFor="server-username">
            <input id="server-username" className="input" value={auth.username} onChange={(e) => set({ username: e.target.value })} spellCheck={false} autoComplete="off" data-testid="server-username" />
          </Row>
          <Row label="Password" htmlFor="server-password">
            <input id="server-password" type="password" className="input" value={auth.password} onChange={(e) => set({ password: e.target.value })} data-testid="server-password" {...secret} />
          </Row>
        </>
      );
    case 'api-key':
      return (
        <Row label="API key" htmlFor="server-api-key" hint="Chroma Cloud: sent as the x-chroma-token header.">
          <input id="server-api-key" type="password" className="input mono" value={auth.apiKey} onChange={(e) => set({ apiKey: e.target.value })} data-testid="server-api-key" {...secret} />
        </Row>
      );
    case 'headers':
      return (
        <Row label="Headers" htmlFor="server-headers" hint='A JSON object, e.g. {"X-Api-Key": "…", "X-Team": "search"}. Sent with every request.'>
          <textarea
            id="server-headers"
            className="code-input"
            rows={3}
            value={auth.headersJson}
            onChange={(e) => set({ headersJson: e.target.value })}
            placeholder='{"X-Api-Key": "…"}'
            data-testid="server-headers"
            {...secret}
          />
        </Row>
      );
  }
}
