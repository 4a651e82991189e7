import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySources } from '../../src-main/source/copy/copy-sources.js';
import { serverEndpoint } from '../../src-main/source/server/server-endpoint.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip, startChroma, stopAllChroma, type ChromaServer } from '../helpers/reference-chroma.js';
import { capturedCli } from '../helpers/run-cli-captured.js';
import { addEdgeCollection, metadataRows } from './copy-fixtures.js';

// Server backups through the CLI on real Chroma 1.3.4: `backup <url> <zip>` writes our zip
// format (which `verify` accepts), `restore <zip> <url>` puts it into a fresh server and never
// over an existing collection, and the folder form of restore opens the same zip.

const problem = realChromaProblem('1.3.4');
reportSkip('server backup', problem);
const cli = capturedCli();

const DEFAULT = { tenant: 'default_tenant', database: 'default_database' };

async function edgeText(url: string, scope = 'default_tenant/databases/default_database'): Promise<string> {
  const base = `${url}/api/v2/tenants/${scope}/collections`;
  const { id } = (await (await fetch(`${base}/edge`)).json()) as { id: string };
  const got = await fetch(`${base}/${id}/get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ids":["e-float","e-big"],"include":["metadatas"]}' });
  return got.text();
}

describe.skipIf(problem !== null)('backup and restore of a Chroma server', () => {
  // Made in beforeAll, so a skipped suite leaves nothing behind.
  const work = join(tmpdir(), `chroma-inspector-server-backup-${process.pid}-${randomUUID().slice(0, 8)}`);
  let source: ChromaServer;
  let fresh: ChromaServer;

  beforeAll(async () => {
    mkdirSync(work, { mode: 0o700 });
    mkdirSync(join(work, 'source'));
    mkdirSync(join(work, 'fresh'));
    [source, fresh] = await Promise.all([startChroma(join(work, 'source'), '1.3.4'), startChroma(join(work, 'fresh'), '1.3.4')]);
    const filled = await copySources({ kind: 'folder', path: join(referenceFixture('chroma-1.3.4-seed7'), 'data') }, { kind: 'server', endpoint: serverEndpoint(source.url) });
    expect(filled.ok).toBe(true);
    await addEdgeCollection(source.url, true);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([source?.stop(), fresh?.stop()]);
    stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  const zip = join(work, 'edge.zip');

  it('backs up one server collection into a zip that verify accepts', async () => {
    const run = await cli(['backup', source.url, zip, '--collection', 'edge']);
    expect(run.code, run.err).toBe(0);
    const result = JSON.parse(run.out);
    expect(result.collections).toMatchObject([{ name: 'edge', tenant: 'default_tenant', database: 'default_database', count: 10, space: 'l2' }]);
    expect(result.source).toBe(`${source.url} (default_tenant/default_database)`);
    const verified = await cli(['verify', zip]);
    expect(verified.code, verified.err).toBe(0);
    expect(JSON.parse(verified.out)).toMatchObject({ ok: true, hasManifest: true });
  }, 60_000);

  it('restores it into a fresh server with every type kept, and never over an existing collection', async () => {
    const run = await cli(['restore', zip, fresh.url]);
    expect(run.code, run.err).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ ok: true, collections: [{ name: 'edge', records: 10, verified: true }] });
    const restored = await edgeText(fresh.url);
    expect(restored).toContain('"f":2.0');
    expect(restored).toContain('"big":9007199254740993');
    const again = await cli(['restore', zip, fresh.url]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/collection edge already exists .*a restore never writes into an existing collection/);
  }, 60_000);

  it('the folder form of restore opens the same zip', async () => {
    const folder = join(work, 'restored-folder');
    const run = await cli(['restore', zip, folder]);
    expect(run.code, run.err).toBe(0);
    const rows = metadataRows(folder, 'edge', DEFAULT);
    expect(rows).toContain('e-float|f|-|-|real:2|-');
    expect(rows).toContain('e-int|i|-|int:2|-|-');
  }, 60_000);

  it('backs up a whole tenant/database and restores it into another one', async () => {
    const all = join(work, 'all.zip');
    const run = await cli(['backup', source.url, all]);
    expect(run.code, run.err).toBe(0);
    const names = (JSON.parse(run.out).collections as { name: string }[]).map((c) => c.name).sort();
    expect(names).toEqual(['articles', 'edge', 'empty', 'inner', 'points', 'tiny']);
    const restore = await cli(['restore', all, `${fresh.url}/?tenant=copies&database=all`]);
    expect(restore.code, restore.err).toBe(0);
    const out = JSON.parse(restore.out);
    expect(out.targets).toEqual([`${fresh.url} (copies/all)`]);
    expect((out.collections as { name: string; verified: boolean }[]).every((c) => c.verified)).toBe(true);
    expect(await edgeText(fresh.url, 'copies/databases/all')).toContain('"f":2.0');
    // A backup that cannot be written leaves nothing behind.
    expect((await cli(['backup', source.url, all])).code).toBe(1);
    expect(existsSync(all)).toBe(true);
  }, 90_000);
});
