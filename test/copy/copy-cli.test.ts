import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { copyCommand } from '../../src-main/cli/commands/copy-command.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip, startChroma, stopAllChroma, type ChromaServer } from '../helpers/reference-chroma.js';
import { capturedCli, interruptingIo } from '../helpers/run-cli-captured.js';

// `chroma-inspector copy` end to end against a real Chroma 1.3.4: the JSON and text reports,
// refusal and --resume, exit 1 when verification fails, Ctrl-C (SIGINT) cancelling cleanly
// with exit 130, folder → folder, and bad usage.

const problem = realChromaProblem('1.3.4');
reportSkip('copy CLI', problem);
const cli = capturedCli();

function count(dir: string, name: string): number {
  const f = ChromaFolder.open(dir);
  try {
    return f.count({ name });
  } finally {
    f.close();
  }
}

describe.skipIf(problem !== null)('chroma-inspector copy', () => {
  // Made in beforeAll, so a skipped suite leaves nothing behind.
  const work = join(tmpdir(), `chroma-inspector-copy-cli-${process.pid}-${randomUUID().slice(0, 8)}`);
  const original = join(work, 'original');
  let server: ChromaServer;
  let before: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(work, { mode: 0o700 });
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), original, { recursive: true });
    before = hashTree(original);
    mkdirSync(join(work, 'served'));
    server = await startChroma(join(work, 'served'), '1.3.4');
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  it('folder → server with --json: the report on stdout, progress on stderr, exit 0', async () => {
    const run = await cli(['copy', original, server.url, '--collection', 'tiny', '--json']);
    expect(run.code, run.err).toBe(0);
    const report = JSON.parse(run.out);
    expect(report).toMatchObject({ ok: true, target: `${server.url} (default_tenant/default_database)` });
    expect(report.collections).toMatchObject([{ name: 'tiny', created: true, sourceCount: 5, copied: 5, skipped: 0, targetCount: 5, verification: { ok: true, sampled: 5 } }]);
    expect(run.err).toMatch(/copying tiny \(5 records\)/);
  }, 60_000);

  it('refuses the non-empty target without --resume (exit 1), skips what is there with it', async () => {
    const refused = await cli(['copy', original, server.url, '--collection', 'tiny']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error \[INVALID_ARGUMENT\]: collection tiny already exists .*--resume/m);
    const resumed = await cli(['copy', original, server.url, '--collection', 'tiny', '--resume']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/tiny {2}5 records: 0 copied, 5 already there; target 5 {2}verified \(5 records compared, 5 queries, recall 1\.00\)/);
    expect(resumed.out).toMatch(/copy verified\n$/);
  }, 60_000);

  it('exits 1 and says why when the verification fails', async () => {
    // A record only the target has: the counts no longer agree.
    const base = `${server.url}/api/v2/tenants/default_tenant/databases/default_database/collections`;
    const { id } = (await (await fetch(`${base}/tiny`)).json()) as { id: string };
    const added = await fetch(`${base}/${id}/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ids":["stray"],"embeddings":[[0.5,0.5,0.5,0.5]]}' });
    expect(added.ok).toBe(true);
    const run = await cli(['copy', original, server.url, '--collection', 'tiny', '--resume']);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/NOT VERIFIED/);
    expect(run.out).toMatch(/the source holds 5 records, the target 6/);
  }, 60_000);

  it('Ctrl-C cancels cleanly (exit 130); the copy then completes', async () => {
    const target = join(work, 'from-server');
    const io = interruptingIo();
    const code = await copyCommand({ positionals: [server.url, target], options: { collection: 'tiny', 'batch-size': '2' } }, io);
    expect(io.interrupted).toBe(true);
    expect(code).toBe(130);
    // Interrupted before its first batch: the collection is there, empty, so no --resume is needed.
    expect(count(target, 'tiny')).toBe(0);
    const run = await cli(['copy', server.url, target, '--collection', 'tiny']);
    expect(run.code, run.err).toBe(0);
    expect(count(target, 'tiny')).toBe(6);
  }, 60_000);

  it('folder → folder, and bad usage exits 2', async () => {
    const copy = join(work, 'copy');
    const run = await cli(['copy', original, copy, '--collection', 'points', '--batch-size', '64']);
    expect(run.code, run.err).toBe(0);
    expect(count(copy, 'points')).toBe(count(original, 'points'));
    expect((await cli(['copy', original])).code).toBe(2);
    expect((await cli(['copy', original, copy, '--batch-size', '0'])).code).toBe(2);
    expect(hashTree(original)).toEqual(before);
  }, 60_000);
});

describe('server forms of copy, backup and restore without a server', () => {
  const url = 'http://127.0.0.1:9';
  it('an unreachable server: SERVER_UNREACHABLE, exit 1, nothing written', async () => {
    const zip = join(tmpdir(), `chroma-inspector-never-${process.pid}.zip`);
    const folder = join(tmpdir(), `chroma-inspector-never-${process.pid}`);
    for (const argv of [['backup', url, zip], ['copy', url, folder], ['copy', referenceFixture('sample-1.3.4'), url]]) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(1);
      expect(run.err).toMatch(/^error \[SERVER_UNREACHABLE\]: Cannot reach the Chroma server at http:\/\/127\.0\.0\.1:9/);
    }
    expect(existsSync(zip)).toBe(false);
    expect(existsSync(folder)).toBe(false);
  });

  it('the URL in the wrong place: usage error, exit 2', async () => {
    expect((await cli(['backup', '/tmp/a-folder', url])).code).toBe(2);
    expect((await cli(['restore', url, 'x.zip'])).code).toBe(2);
  });
});
