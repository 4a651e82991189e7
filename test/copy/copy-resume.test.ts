import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { copySources } from '../../src-main/source/copy/copy-sources.js';
import type { SourceSpec } from '../../src-main/source/copy/copy-types.js';
import { serverEndpoint } from '../../src-main/source/server/server-endpoint.js';
import { caught } from '../helpers/caught.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip, startChroma, stopAllChroma, type ChromaServer } from '../helpers/reference-chroma.js';

// An interrupted copy (an abort after a few small batches) resumes with `resume` and ends with
// every record exactly once; without `resume` a non-empty target is refused and left alone. Both
// directions: folder → server, then server → folder (the write engine's batches).

const problem = realChromaProblem('1.3.4');
reportSkip('copy resume', problem);

/** Every id of a collection on the server, duplicates kept. */
async function serverIds(url: string, name: string): Promise<string[]> {
  const base = `${url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const c = (await (await fetch(`${base}/${name}`)).json()) as { id: string };
  const got = (await (await fetch(`${base}/${c.id}/get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"include":[]}' })).json()) as { ids: string[] };
  return got.ids;
}

function folderIds(dir: string, name: string): string[] {
  const f = ChromaFolder.open(dir);
  try {
    return f.get({ name }, { include: [] }).ids;
  } finally {
    f.close();
  }
}

/** Runs a copy that aborts once `after` records are done; returns the error it ended with. */
async function interrupted(source: SourceSpec, target: SourceSpec, batchSize: number, after: number) {
  const ac = new AbortController();
  return caught(
    copySources(source, target, {
      collection: 'articles',
      batchSize,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.done >= after) ac.abort();
      },
    }),
  );
}

describe.skipIf(problem !== null)('an interrupted copy resumes without duplicates', () => {
  // Made in beforeAll, so a skipped suite leaves nothing behind.
  const work = join(tmpdir(), `chroma-inspector-copy-resume-${process.pid}-${randomUUID().slice(0, 8)}`);
  const original = join(work, 'original');
  const result = join(work, 'result');
  let server: ChromaServer;
  let before: Record<string, string>;
  let all: string[];

  beforeAll(async () => {
    mkdirSync(work, { mode: 0o700 });
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), original, { recursive: true });
    before = hashTree(original);
    all = folderIds(original, 'articles').sort();
    mkdirSync(join(work, 'served'));
    server = await startChroma(join(work, 'served'), '1.3.4');
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  const folder: SourceSpec = { kind: 'folder', path: original };
  const onServer = (): SourceSpec => ({ kind: 'server', endpoint: serverEndpoint(server.url) });

  it('folder → server: cancelled after three batches of 50, the target holds those three batches', async () => {
    const err = await interrupted(folder, onServer(), 50, 150);
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toMatch(/Cancelled after 150 of 1349 records \(a batch under way .*\); run the same copy again with --resume/);
    expect(await serverIds(server.url, 'articles')).toHaveLength(150);
  }, 60_000);

  it('without resume the non-empty target is refused and left as it was', async () => {
    const err = await caught(copySources(folder, onServer(), { collection: 'articles', batchSize: 50 }));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/collection articles already exists .* holds 150 records: refusing .* --resume/);
    expect(await serverIds(server.url, 'articles')).toHaveLength(150);
  }, 60_000);

  it('with resume the copy skips the 150 present and ends with every id exactly once, verified', async () => {
    const report = await copySources(folder, onServer(), { collection: 'articles', batchSize: 50, resume: true });
    expect(report.collections).toMatchObject([{ name: 'articles', created: false, sourceCount: 1349, copied: 1199, skipped: 150, targetCount: 1349, verification: { ok: true } }]);
    const ids = await serverIds(server.url, 'articles');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(all);
    expect(hashTree(original)).toEqual(before);
  }, 60_000);

  it('server → folder: cancelled, refused without resume, resumed with it', async () => {
    const target: SourceSpec = { kind: 'folder', path: result };
    expect((await interrupted(onServer(), target, 100, 200)).code).toBe('CANCELLED');
    expect(folderIds(result, 'articles')).toHaveLength(200);
    expect((await caught(copySources(onServer(), target, { collection: 'articles' }))).message).toMatch(/holds 200 records: refusing/);
    const report = await copySources(onServer(), target, { collection: 'articles', batchSize: 100, resume: true });
    expect(report.collections).toMatchObject([{ copied: 1149, skipped: 200, targetCount: 1349, verification: { ok: true } }]);
    const ids = folderIds(result, 'articles');
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(all);
  }, 60_000);

  it('refuses a batch size over the target’s maximum, and copying a folder onto itself', async () => {
    expect((await caught(copySources(folder, onServer(), { collection: 'tiny', batchSize: 100_000 }))).message).toMatch(/more than the target's max batch size \(5461\)/);
    expect((await caught(copySources(folder, folder))).message).toMatch(/the same folder/);
    expect((await caught(copySources(onServer(), onServer()))).message).toMatch(/the source and the target are the same/);
  });
});
