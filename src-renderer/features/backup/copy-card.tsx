import { useState } from 'react';
import type { Input } from '../../../shared/contract.js';
import type { CopyReport } from '../../../shared/models.js';
import { useOpenFolder } from '../../app/workspace-context.js';
import { toInspectorError } from '../../client/async-state.js';
import { useClient } from '../../client/client-context.js';
import { useRunner } from '../../client/use-async.js';
import { Section } from '../../components/section.js';
import { formatCount } from '../../components/value/format.js';
import { serverFieldsFrom, type ServerFieldsValue } from '../open-folder/server-fields.js';
import { CardError } from './card-error.js';
import { copyConflictOf, copyInputFromForm, sourceScope, type CopyTargetKind } from './copy-input.js';
import { CopyResult } from './copy-report.js';
import { CopyCancelledOffer, CopyConflictOffer } from './copy-resume-offer.js';
import { CopyTargetFields } from './copy-target-fields.js';
import { defaultCopyFolder } from './default-paths.js';
import { Field } from './form-field.js';
import { TaskProgress } from './task-progress.js';
import { useSuggested } from './use-suggested.js';

type Scope = 'all' | 'collection';

/**
 * 5. Copy the current collection, or every collection of the source's tenant/database, into
 * another folder or a Chroma server, then verify it. A target collection that already holds
 * records is refused until the user chooses to resume. Secrets live in this form's state only.
 */
export function CopyCard() {
  const client = useClient();
  const ws = useOpenFolder();
  const runner = useRunner<CopyReport>();
  const collection = ws.collection;
  const [scope, setScope] = useState<Scope>('collection');
  const effective: Scope = scope === 'collection' && collection ? 'collection' : 'all';
  const [kind, setKind] = useState<CopyTargetKind>('folder');
  const folder = useSuggested(ws.capabilities.outputsBesideSource ? defaultCopyFolder(ws.info.path) : '');
  const [server, setServer] = useState<ServerFieldsValue>(() => serverFieldsFrom());
  const [resume, setResume] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  // The input of the run on screen: its result offers to open a folder target, its refusal to resume.
  const [ran, setRan] = useState<Input<'copyTo'> | null>(null);
  const running = runner.state.status === 'loading';
  const isServer = ws.capabilities.kind === 'server';
  // "Every collection" means those of the selected collection's tenant/database (else the source's).
  const all = collection ? { tenant: collection.tenant, database: collection.database } : sourceScope(ws.info);
  const inScope = ws.collections.filter((c) => c.tenant === all.tenant && c.database === all.database).length;
  const folderScope = effective === 'collection' && collection ? `${collection.tenant}/${collection.database}` : `${all.tenant}/${all.database}`;

  const run = (resumeNow = resume) => {
    if (running) return;
    const made = copyInputFromForm(ws.handle, { collectionId: effective === 'collection' ? (collection?.id ?? null) : null, scope: all, kind, folder: folder.value, server, resume: resumeNow });
    if (!made.ok) {
      setFormError(made.error);
      return;
    }
    setFormError(null);
    setResume(resumeNow);
    setRan(made.input);
    void runner.run((signal, onProgress) => client.call('copyTo', made.input, { signal, onProgress }));
  };
  const changeServer = (patch: Partial<ServerFieldsValue>) => {
    setServer((s) => ({ ...s, ...patch }));
    setFormError(null);
  };

  const state = runner.state;
  const error = state.status === 'error' ? toInspectorError(state.error) : null;
  const conflict = error && !ran?.resume ? copyConflictOf(error) : null;
  const target = ran?.target;
  const openCopy = state.status === 'success' && target?.kind === 'folder' ? () => void ws.openFolder(target.path) : undefined;

  return (
    <Section title="Copy to…" testId="copy-card" aside={<span className="muted">folder or Chroma server · verified</span>}>
      <p className="card-lead">
        Copies records (ids, documents, metadata, embeddings) and collection settings into another Chroma folder or a running Chroma server, then
        verifies the copy: counts, sampled records compared in full, sample queries on both sides. The open {isServer ? 'server' : 'folder'} is only read.
      </p>
      <div className="form-rows">
        <Field label="Copy">
          {(id) => (
            <select id={id} className="input" value={effective} onChange={(e) => setScope(e.target.value as Scope)} disabled={running} data-testid="copy-scope">
              <option value="collection" disabled={!collection}>
                {collection ? `Only ${collection.name} (${formatCount(collection.count)} records)` : 'Only the current collection (none selected)'}
              </option>
              <option value="all">
                Every collection of {all.tenant}/{all.database} ({formatCount(inScope)})
              </option>
            </select>
          )}
        </Field>
        <CopyTargetFields kind={kind} onKind={(k) => {
            setKind(k);
            setFormError(null);
          }} folder={folder} folderScope={folderScope} server={server} onServer={changeServer} disabled={running} />
        <Field label="Resume" hint="Copies only the ids the target lacks. Without it, a target collection that already holds records is refused.">
          {(id) => (
            <label className="check" htmlFor={id}>
              <input id={id} type="checkbox" checked={resume} onChange={(e) => setResume(e.target.checked)} disabled={running} data-testid="copy-resume" />
              Resume an interrupted copy
            </label>
          )}
        </Field>
      </div>
      {formError && (
        <div className="inline-error" role="alert" data-testid="copy-form-error">
          {formError}
        </div>
      )}
      <div className="card-actions copy-actions">
        <button type="button" className="btn btn-primary" onClick={() => run()} disabled={running} data-testid="copy-run">
          {resume ? 'Resume the copy' : 'Copy'}
        </button>
        {kind === 'server' && server.auth.kind !== 'none' && <span className="muted">The secret is sent for this copy only; the copy never stores it.</span>}
      </div>
      {state.status === 'loading' && <TaskProgress progress={state.progress} unit="records" onCancel={runner.cancel} prefix="copy" label="Connecting to the target…" />}
      {error &&
        (conflict ? (
          <CopyConflictOffer conflict={conflict} onResume={() => run(true)} />
        ) : error.code === 'CANCELLED' ? (
          <CopyCancelledOffer onResume={() => run(true)} />
        ) : (
          <CardError error={error} testId="copy-error" />
        ))}
      {state.status === 'success' && <CopyResult r={state.value} onOpenFolder={openCopy} />}
    </Section>
  );
}
