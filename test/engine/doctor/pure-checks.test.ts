import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../shared/models.js';
import { Findings } from '../../../src-main/engine/doctor/findings.js';
import { checkDiskForVacuum } from '../../../src-main/engine/doctor/folder-checks.js';
import { embeddingFunctionDimension } from '../../../src-main/engine/doctor/consistency-checks.js';
import { renderDoctorMarkdown } from '../../../src-main/engine/doctor/render-markdown.js';

describe('free disk against what VACUUM needs', () => {
  it('warns when the filesystem has less than twice the database free, and only then', () => {
    const none = new Findings();
    expect(checkDiskForVacuum(2_000_000, 1_000_000, none)).toBe(2_000_000);
    expect(checkDiskForVacuum(null, 1_000_000, none)).toBe(2_000_000);
    expect(none.sorted()).toEqual([]);
    const low = new Findings();
    checkDiskForVacuum(1_999_999, 1_000_000, low);
    const [f] = low.sorted();
    expect(f).toMatchObject({ code: 'disk.vacuum-space', severity: 'warning', fix: null, evidence: { numbers: { freeBytes: 1_999_999, databaseBytes: 1_000_000, vacuumNeedsBytes: 2_000_000 } } });
  });
});

describe('the output dimension of a stored embedding function', () => {
  it('knows the fixed ones, and says nothing of the rest', () => {
    expect(embeddingFunctionDimension({ type: 'known', name: 'default', config: {} })).toEqual({ name: 'default', dimension: 384 });
    expect(embeddingFunctionDimension({ type: 'known', name: 'openai', config: { model_name: 'text-embedding-3-large' } })?.dimension).toBe(3072);
    expect(embeddingFunctionDimension({ type: 'known', name: 'openai', config: { model_name: 'text-embedding-3-large', dimensions: 256 } })?.dimension).toBe(256);
    expect(embeddingFunctionDimension({ type: 'known', name: 'sentence_transformer', config: { model_name: 'all-mpnet-base-v2' } })?.dimension).toBe(768);
    expect(embeddingFunctionDimension({ type: 'known', name: 'cohere', config: {} })).toEqual({ name: 'cohere', dimension: null });
    expect(embeddingFunctionDimension({ type: 'legacy' })).toBeNull();
    expect(embeddingFunctionDimension(null)).toBeNull();
  });
});

describe('Markdown from untrusted text', () => {
  it('keeps ids and documents inside their code spans, whatever backticks and line breaks they hold', () => {
    const findings = new Findings();
    findings.add({
      code: 'fts.missing',
      severity: 'error',
      title: 't',
      chromaWould: 'c',
      fix: 'fts-rebuild',
      remedy: 'r',
      evidence: { ids: ['a`b', '``x'], samples: [{ id: 'z', fields: { document: 'line one\n# not a heading\n```' } }] },
    });
    const report = { folder: '/tmp/x', era: { label: 'e', chromaVersions: 'v', rustCore: true, migrationsVerified: true }, sqlite: { version: '3', journalMode: 'delete', pageSize: 4096, pages: 1, freelistPages: 0, bytes: 4096 }, disk: { freeBytes: null, vacuumNeedsBytes: 0 }, tenants: 1, databases: 1, collections: [], findings: findings.sorted(), summary: { errors: 1, warnings: 0, infos: 0 }, storage: { method: 'dbstat', pageSize: 4096, databaseBytes: 4096, freelistBytes: 0, objects: [], collections: [], orphans: { sqliteBytes: 0, fileBytes: 0 }, attribution: '', reclaim: null, reclaimNote: '' }, tool: 't', createdAt: 'now', private: false, elapsedMs: 0 } satisfies DoctorReport;
    const md = renderDoctorMarkdown(report);
    expect(md).toContain('``a`b``');
    expect(md).toContain('``` ``x ```');
    expect(md).not.toMatch(/^# not a heading/m);
    expect(md).toContain('```` line one⏎# not a heading⏎``` ````');
  });
});
