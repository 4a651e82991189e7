import type { ReactNode, RefObject } from 'react';
import { AUTH_KINDS, type AuthKind, type RecentServer } from '../../app/recent-servers.js';
import { AUTH_LABELS, emptyAuthForm, type AuthForm } from './server-auth.js';

/** Where a Chroma server is and how to authenticate, as typed (secrets included, in memory only). */
export interface ServerFieldsValue {
  url: string;
  tenant: string;
  database: string;
  auth: AuthForm;
}

/** Empty fields, or a recent server's (its secret left for the user to type). */
export const serverFieldsFrom = (s?: RecentServer | null): ServerFieldsValue => ({
  url: s?.url ?? '',
  tenant: s?.tenant ?? '',
  database: s?.database ?? '',
  auth: emptyAuthForm(s?.auth),
});

type SecretRef = RefObject<(HTMLInputElement & HTMLTextAreaElement) | null>;

interface Props {
  /**
   * Prefix of the element ids and test ids (`${prefix}-url`, `${prefix}-auth-kind` …): the open
   * screen's form and the Backup view's copy target are two forms with the same fields.
   */
  prefix: string;
  value: ServerFieldsValue;
  onChange(patch: Partial<ServerFieldsValue>): void;
  /** Where typing goes when a recent entry asks for its secret. */
  secretRef?: SecretRef;
  autoFocus?: boolean;
  disabled?: boolean;
  tenantHint?: string;
  databaseHint?: string;
}

/**
 * URL, tenant, database, the kind of auth and the secret it needs, as rows of a `.form-rows`
 * grid. The mapping to the contract's credentials is server-auth.ts's, for every form using these.
 */
export function ServerFields({ prefix, value, onChange, secretRef, autoFocus, disabled, tenantHint, databaseHint }: Props) {
  const id = (name: string) => `${prefix}-${name}`;
  const setAuth = (patch: Partial<AuthForm>) => onChange({ auth: { ...value.auth, ...patch } });
  return (
    <>
      <Row label="URL" htmlFor={id('url')}>
        <input
          id={id('url')}
          className="input input-lg mono"
          value={value.url}
          onChange={(e) => onChange({ url: e.target.value })}
          placeholder="http://localhost:8000 or https://api.trychroma.com"
          spellCheck={false}
          autoComplete="off"
          autoFocus={autoFocus}
          disabled={disabled}
          data-testid={id('url')}
        />
      </Row>
      <Row label="Tenant" htmlFor={id('tenant')} hint={tenantHint}>
        <input id={id('tenant')} className="input" value={value.tenant} onChange={(e) => onChange({ tenant: e.target.value })} placeholder="default_tenant" spellCheck={false} disabled={disabled} data-testid={id('tenant')} />
      </Row>
      <Row label="Database" htmlFor={id('database')} hint={databaseHint}>
        <input id={id('database')} className="input" value={value.database} onChange={(e) => onChange({ database: e.target.value })} placeholder="default_database" spellCheck={false} disabled={disabled} data-testid={id('database')} />
      </Row>
      <Row label="Auth" htmlFor={id('auth-kind')}>
        <select id={id('auth-kind')} className="input" value={value.auth.kind} onChange={(e) => setAuth({ kind: e.target.value as AuthKind })} disabled={disabled} data-testid={id('auth-kind')}>
          {AUTH_KINDS.map((k) => (
            <option key={k} value={k}>
              {AUTH_LABELS[k]}
            </option>
          ))}
        </select>
      </Row>
      <SecretFields id={id} auth={value.auth} set={setAuth} secretRef={secretRef} disabled={disabled} />
    </>
  );
}

function Row({ label, htmlFor, hint, children }: { label: string; htmlFor: string; hint?: string | undefined; children: ReactNode }) {
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
  id(name: string): string;
  auth: AuthForm;
  set(patch: Partial<AuthForm>): void;
  secretRef: SecretRef | undefined;
  disabled: boolean | undefined;
}

/** The secret the chosen kind of auth needs (none for "None"); never autocompleted or spell-checked. */
function SecretFields({ id, auth, set, secretRef, disabled }: SecretProps) {
  const secret = { spellCheck: false, autoComplete: 'off', ref: secretRef, disabled } as const;
  switch (auth.kind) {
    case 'none':
      return null;
    case 'bearer':
    case 'x-chroma-token':
      return (
        <Row label="Token" htmlFor={id('token')}>
          <input id={id('token')} type="password" className="input mono" value={auth.token} onChange={(e) => set({ token: e.target.value })} data-testid={id('token')} {...secret} />
        </Row>
      );
    case 'basic':
      return (
        <>
          <Row label="User" htmlFor={id('username')}>
            <input id={id('username')} className="input" value={auth.username} onChange={(e) => set({ username: e.target.value })} spellCheck={false} autoComplete="off" disabled={disabled} data-testid={id('username')} />
          </Row>
          <Row label="Password" htmlFor={id('password')}>
            <input id={id('password')} type="password" className="input" value={auth.password} onChange={(e) => set({ password: e.target.value })} data-testid={id('password')} {...secret} />
          </Row>
        </>
      );
    case 'api-key':
      return (
        <Row label="API key" htmlFor={id('api-key')} hint="Chroma Cloud: sent as the x-chroma-token header.">
          <input id={id('api-key')} type="password" className="input mono" value={auth.apiKey} onChange={(e) => set({ apiKey: e.target.value })} data-testid={id('api-key')} {...secret} />
        </Row>
      );
    case 'headers':
      return (
        <Row label="Headers" htmlFor={id('headers')} hint='A JSON object, e.g. {"X-Api-Key": "…", "X-Team": "search"}. Sent with every request.'>
          <textarea
            id={id('headers')}
            className="code-input"
            rows={3}
            value={auth.headersJson}
            onChange={(e) => set({ headersJson: e.target.value })}
            placeholder='{"X-Api-Key": "…"}'
            data-testid={id('headers')}
            {...secret}
          />
        </Row>
      );
  }
}
