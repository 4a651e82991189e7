import { describe, expect, it } from 'vitest';
import { inputs } from '../../shared/contract.js';
import { InspectorError } from '../../shared/errors.js';
import type { CollectionCopyReport, CopyReport } from '../../shared/models.js';
import { copyConflictOf, copyInputFromForm, sourceScope, type CopyForm } from '../../src-renderer/features/backup/copy-input.js';
import { copyHeadline, copyTotals, differencesOf, formatRecall, scopeText, verificationText } from '../../src-renderer/features/backup/copy-summary.js';
import { defaultCopyFolder } from '../../src-renderer/features/backup/default-paths.js';
import { authFormFromCredentials, credentialsFromForm, emptyAuthForm } from '../../src-renderer/features/open-folder/server-auth.js';
import { serverFieldsFrom } from '../../src-renderer/features/open-folder/server-fields.js';

const form = (patch: Partial<CopyForm> = {}): CopyForm => ({ collectionId: null, kind: 'folder', folder: '', server: serverFieldsFrom(), resume: false, ...patch });

describe('copy card: form → copyTo input', () => {
  it('copies into a folder: the path trimmed, the collection only when one is chosen', () => {
    const r = copyInputFromForm('h1', form({ folder: '  /data/copy  ', collectionId: 'c-1' }));
    expect(r).toEqual({ ok: true, input: { handle: 'h1', collectionId: 'c-1', resume: false, target: { kind: 'folder', path: '/data/copy' } } });
    const all = copyInputFromForm('h1', form({ folder: '/data/copy', resume: true }));
    expect(all).toEqual({ ok: true, input: { handle: 'h1', resume: true, target: { kind: 'folder', path: '/data/copy' } } });
    expect(copyInputFromForm('h1', form({ folder: '   ' }))).toEqual({ ok: false, error: 'Type the folder to copy into' });
    // Every collection of a tenant/database: the scope travels only when no collection is named.
    const scope = { tenant: 'acme', database: 'prod' };
    expect(copyInputFromForm('h1', form({ folder: '/d', scope }))).toEqual({ ok: true, input: { handle: 'h1', scope, resume: false, target: { kind: 'folder', path: '/d' } } });
    expect(copyInputFromForm('h1', form({ folder: '/d', scope, collectionId: 'c-1' }))).toEqual({ ok: true, input: { handle: 'h1', collectionId: 'c-1', resume: false, target: { kind: 'folder', path: '/d' } } });
  });

  it('copies into a server through the open screen auth mapping; empty tenant/database left to the engine', () => {
    const server = { ...serverFieldsFrom(), url: 'localhost:8000/', tenant: ' acme ', database: '', auth: { ...emptyAuthForm('bearer'), token: ' sk-1 ' } };
    const r = copyInputFromForm('h', form({ kind: 'server', server }));
    expect(r).toEqual({
      ok: true,
      input: { handle: 'h', resume: false, target: { kind: 'server', url: 'http://localhost:8000', tenant: 'acme', credentials: { token: 'sk-1', tokenHeader: 'authorization' } } },
    });
    // What the engine's schema accepts.
    if (r.ok) expect(inputs.copyTo.parse(r.input).target).toMatchObject({ kind: 'server', tenant: 'acme' });
  });

  it('turns user:password@ in the URL into basic auth, and refuses what the open screen refuses', () => {
    const inUrl = copyInputFromForm('h', form({ kind: 'server', server: { ...serverFieldsFrom(), url: 'http://me:p%40ss@db:8000' } }));
    expect(inUrl.ok && inUrl.input.target).toEqual({ kind: 'server', url: 'http://db:8000', credentials: { basicAuth: { username: 'me', password: 'p@ss' } } });
    expect(copyInputFromForm('h', form({ kind: 'server' }))).toEqual({ ok: false, error: "Type the target server's URL" });
    const noToken = copyInputFromForm('h', form({ kind: 'server', server: { ...serverFieldsFrom(), url: 'http://db', auth: emptyAuthForm('x-chroma-token') } }));
    expect(noToken).toEqual({ ok: false, error: 'Type the token' });
    const badHeaders = copyInputFromForm('h', form({ kind: 'server', server: { ...serverFieldsFrom(), url: 'http://db', auth: { ...emptyAuthForm('headers'), headersJson: '{"X": 1}' } } }));
    expect(badHeaders.ok).toBe(false);
  });

  it('defaults the folder beside the open one, and "every collection" to the source scope', () => {
    expect(defaultCopyFolder('/srv/chroma/data/', new Date(2024, 0, 5))).toBe('/srv/chroma/data-copy-2024-01-05');
    expect(sourceScope({})).toEqual({ tenant: 'default_tenant', database: 'default_database' });
    const server = { url: 'http://h', version: '1.3.4', api: 'v2', tenant: 'acme', database: 'prod', identity: null, maxBatchSize: 100, auth: 'none' } as const;
    expect(sourceScope({ server })).toEqual({ tenant: 'acme', database: 'prod' });
  });
});

describe('copy card: the refusal that resume lifts', () => {
  it('recognises the non-empty-target refusal, with its collection and count', () => {
    const err = new InspectorError('INVALID_ARGUMENT', 'collection articles already exists in x and holds 12 records: refusing … with --resume)', {
      conflict: true,
      collection: 'articles',
      targetCount: 12,
    });
    expect(copyConflictOf(err)).toEqual({ collection: 'articles', targetCount: 12, message: err.message });
  });

  it('leaves other errors alone, a restore conflict included', () => {
    expect(copyConflictOf(new InspectorError('INVALID_ARGUMENT', 'a restore never writes into an existing collection', { conflict: true, collection: 'a' }))).toBeNull();
    expect(copyConflictOf(new InspectorError('INVALID_ARGUMENT', 'the source and the target are the same'))).toBeNull();
    expect(copyConflictOf(new InspectorError('NOT_FOUND', 'with --resume', { conflict: true, targetCount: 1 }))).toBeNull();
  });
});

const verification = (patch: Partial<CollectionCopyReport['verification']> = {}) => ({
  ok: true,
  sourceCount: 10,
  targetCount: 10,
  sampled: 10,
  sampleDifferences: [],
  queries: 5,
  recall: 1,
  queryDifferences: [],
  ...patch,
});
const collection = (name: string, patch: Partial<CollectionCopyReport> = {}): CollectionCopyReport => ({
  name,
  created: true,
  sourceCount: 10,
  copied: 10,
  skipped: 0,
  targetCount: 10,
  verification: verification(),
  ...patch,
});
const report = (collections: CollectionCopyReport[], scopes?: CopyReport['scopes']): CopyReport => ({
  source: '/data',
  target: 'http://h:8000',
  scopes: scopes ?? { source: { tenant: 'default_tenant', database: 'default_database' }, target: { tenant: 'default_tenant', database: 'default_database' } },
  collections,
  ok: collections.every((c) => c.verification.ok),
  warnings: [],
});

describe('copy card: the report summary', () => {
  it('totals and headlines a verified copy, a resumed one, and an empty one', () => {
    const r = report([collection('a'), collection('b', { created: false, copied: 4, skipped: 6 })]);
    expect(copyTotals(r)).toEqual({ collections: 2, sourceRecords: 20, copied: 14, skipped: 6, targetRecords: 20, verified: 2, notVerified: 0 });
    expect(copyHeadline(r)).toBe('Copied and verified: 2 collections, 14 records written, 6 records already there');
    expect(copyHeadline(report([collection('a', { copied: 1, sourceCount: 1, targetCount: 1 })]))).toBe('Copied and verified: 1 collection, 1 record written');
    expect(copyHeadline(report([]))).toBe('Nothing to copy: no collection in default_tenant/default_database');
  });

  it('says NOT verified and lists the differences, counts first, capped', () => {
    const bad = collection('b', {
      targetCount: 9,
      verification: verification({ ok: false, targetCount: 9, sampleDifferences: ['id b-3: document differs'], queryDifferences: Array.from({ length: 12 }, (_, i) => `query ${i}: neighbours differ`) }),
    });
    const r = report([collection('a'), bad, collection('c')]);
    expect(copyHeadline(r)).toBe('Copied, but NOT verified: 1 of 3 collections differs');
    const d = differencesOf(bad);
    expect(d.lines[0]).toBe('the source holds 10 records, the target 9');
    expect(d.lines[1]).toBe('id b-3: document differs');
    expect(d.lines).toHaveLength(10);
    expect(d.more).toBe(4);
    expect(differencesOf(collection('a'))).toEqual({ lines: [], more: 0 });
  });

  it('describes what the check compared, and the scopes', () => {
    expect(verificationText(verification({ sampled: 20, queries: 5, recall: 0.96 }))).toBe('20 records compared · 5 queries · recall 0.96');
    expect(verificationText(verification({ sampled: 0, queries: 0, recall: null }))).toBe('0 records compared · no queries');
    expect(formatRecall(null)).toBe('—');
    expect(scopeText(report([]))).toBe('default_tenant/default_database');
    expect(scopeText(report([], { source: { tenant: 'a', database: 'b' }, target: { tenant: 'c', database: 'd' } }))).toBe('a/b → c/d');
  });
});

describe('a kept secret back into the auth form', () => {
  it('round-trips through credentialsFromForm for every kind', () => {
    const cases = [
      { kind: 'bearer', c: { token: 't', tokenHeader: 'authorization' } },
      { kind: 'x-chroma-token', c: { token: 't', tokenHeader: 'x-chroma-token' } },
      { kind: 'basic', c: { basicAuth: { username: 'u', password: ' p ' } } },
      { kind: 'api-key', c: { apiKey: 'k' } },
      { kind: 'headers', c: { headers: { 'X-A': '1' } } },
    ] as const;
    for (const { kind, c } of cases) expect(credentialsFromForm(authFormFromCredentials(kind, c))).toEqual({ ok: true, credentials: c });
    expect(authFormFromCredentials('bearer', null)).toEqual(emptyAuthForm('bearer'));
  });
});
