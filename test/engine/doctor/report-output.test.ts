import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { runDoctor } from '../../../src-main/engine/doctor/run-doctor.js';
import { renderDoctorMarkdown } from '../../../src-main/engine/doctor/render-markdown.js';
import { capturedCli } from '../../helpers/run-cli-captured.js';
import { SOUND, byName, damagedCopy, documents, onDb, rawCollections, scratch } from './helpers.js';

// What leaves the doctor: Markdown and JSON, the private report (no ids, documents or paths —
// searched for in the output), the CLI's exit codes, progress and cancel.

const tmp = scratch();
afterAll(() => tmp.cleanup());
const cli = capturedCli();

let damaged!: string;
let full!: DoctorReport;
let privateReport!: DoctorReport;

beforeAll(async () => {
  // Damage that puts record ids, documents, files and segment ids into the report.
  damaged = damagedCopy(tmp.dir, SOUND, (d) => {
    const articles = byName(d, 'articles');
    const docs = documents(d, articles.metadataSegment).filter((r) => r.doc.length > 20);
    onDb(d, (db) => db.prepare(`DELETE FROM embedding_fulltext_search WHERE rowid IN (${docs.slice(0, 4).map((r) => r.iid).join(',')})`).run());
    rmSync(join(d, byName(d, 'inner').vectorSegment), { recursive: true });
  });
  full = await runDoctor(damaged);
  privateReport = await runDoctor(damaged, { private: true });
});

/** Everything a private report must not contain: ids, documents and excerpts, paths, names and UUIDs. */
function secrets(report: DoctorReport, dir: string): string[] {
  const out = new Set<string>([dir]);
  for (const f of report.findings) {
    for (const id of f.evidence.ids) out.add(id);
    for (const s of f.evidence.samples) for (const v of Object.values(s.fields)) if (v) out.add(v.replace(/…$/, ''));
    for (const n of f.evidence.notes) out.add(n);
  }
  for (const c of rawCollections(dir)) for (const v of [c.id, c.name, c.metadataSegment, c.vectorSegment]) out.add(v);
  out.add('acme').add('prod');
  // A name that is also a word of the doctor's own texts (a collection called "empty") is no leak.
  const fixed = report.findings.map((f) => `${f.title} ${f.chromaWould} ${f.remedy}`).join(' ');
  return [...out].filter((s) => !(/^[\w-]+$/.test(s) && new RegExp(`\\b${s}\\b`).test(fixed)));
}

describe('the report as Markdown and JSON', () => {
  it('the full report carries the evidence the private one leaves out', () => {
    expect(full.folder).toBe(damaged);
    const missing = full.findings.find((f) => f.code === 'fts.missing')!;
    expect(missing.evidence.ids.length).toBe(4);
    expect(missing.evidence.samples.length).toBeGreaterThan(0);
    expect(full.findings.some((f) => f.evidence.notes.length > 0)).toBe(true);
  });

  it('renders every finding in Markdown: severity, code, title, evidence, what Chroma would do and the fix', () => {
    const md = renderDoctorMarkdown(full);
    expect(md.startsWith('# Chroma folder doctor')).toBe(true);
    for (const f of full.findings) {
      expect(md).toContain(`\`${f.code}\` — ${f.title}`);
      expect(md).toContain(f.chromaWould);
    }
    const missing = full.findings.find((f) => f.code === 'fts.missing')!;
    for (const id of missing.evidence.ids) expect(md).toContain(`\`${id}\``);
    expect(md).toMatch(/### ERROR `fts\.missing`/);
    expect(md).toContain('`fts-rebuild` — ');
    expect(md).toContain('## Storage');
  });

  it('a private report keeps every finding and figure but no id, document, path or name', () => {
    expect(privateReport.private).toBe(true);
    expect(privateReport.folder).toBeNull();
    expect(privateReport.findings.map((f) => [f.code, f.severity, f.evidence.numbers])).toEqual(full.findings.map((f) => [f.code, f.severity, f.evidence.numbers]));
    expect(privateReport.summary).toEqual(full.summary);
    expect(privateReport.collections.map((c) => c.records)).toEqual(full.collections.map((c) => c.records));
    const json = JSON.stringify(privateReport);
    const md = renderDoctorMarkdown(privateReport);
    // A name is searched as a whole word ("points" is not leaked by "checkpoints"); other secrets as text.
    const leaks = (text: string, s: string) => (/^[\w-]+$/.test(s) ? new RegExp(`\\b${s}\\b`).test(text) : text.includes(s));
    for (const s of secrets(full, damaged)) {
      expect(leaks(json, s), `JSON leaks ${JSON.stringify(s)}`).toBe(false);
      expect(leaks(md, s), `Markdown leaks ${JSON.stringify(s)}`).toBe(false);
    }
    expect(privateReport.collections.map((c) => c.name)).toContain('collection-1');
    const files = privateReport.findings.flatMap((f) => [...f.evidence.files, ...f.evidence.segments]);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(files.some((f) => /^segment-\d+/.test(f))).toBe(true);
  });
});

describe('progress and cancel', () => {
  it('reports progress step by step up to the total', async () => {
    const seen: { done: number; total: number; message: string }[] = [];
    await runDoctor(damaged, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(3);
    const total = seen[0]!.total;
    expect(total).toBe(full.collections.length + 3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
    expect(seen.at(-1)!.done).toBe(total);
  });

  it('stops with CANCELLED when the signal aborts, also while measuring, leaving no copy behind', async () => {
    const ac = new AbortController();
    const err = await runDoctor(damaged, { signal: ac.signal, onProgress: (p) => p.done >= 2 && ac.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('CANCELLED');

    const temp = join(tmp.dir, 'cancel-temp');
    mkdirSync(temp);
    const ac2 = new AbortController();
    const err2 = await runDoctor(damaged, {
      measureReclaim: true,
      tempDir: temp,
      signal: ac2.signal,
      onProgress: (p) => /VACUUM/.test(p.message) && ac2.abort(),
    }).catch((e: unknown) => e);
    expect((err2 as InspectorError).code).toBe('CANCELLED');
    expect(readdirSync(temp)).toEqual([]);
  });
});

describe('chroma-inspector doctor', () => {
  it('prints Markdown and exits 0 on a sound folder, 1 when there are errors', async () => {
    const sound = damagedCopy(tmp.dir, SOUND);
    const ok = await cli(['doctor', sound]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out.startsWith('# Chroma folder doctor')).toBe(true);
    const bad = await cli(['doctor', damaged]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('`fts.missing`');
  });

  it('prints the report as JSON with --json, private with --private', async () => {
    const run = await cli(['doctor', damaged, '--json', '--private']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.out) as DoctorReport;
    expect(report.private).toBe(true);
    expect(report.folder).toBeNull();
    expect(report.findings.map((f) => f.code)).toEqual(full.findings.map((f) => f.code));
    expect(run.out).not.toContain(damaged);
  });

  it('exits 2 without a folder, and 1 naming the problem for a folder that is not there', async () => {
    expect((await cli(['doctor'])).code).toBe(2);
    const missing = await cli(['doctor', join(tmp.dir, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/error \[/);
  });
});
