import { cpSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from '../helpers/paths.js';
import { capturedCli } from '../helpers/run-cli-captured.js';

// Damage is never silent on the command line: problems go to stderr, errors set the exit status,
// and a query that would miss records fails instead of printing a partial answer.

const root = mkdtempSync(join(tmpdir(), 'chroma-inspector-cli-damage-'));
const data = join(root, 'data');
cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), data, { recursive: true });
const folder = ChromaFolder.open(data);
const seg = folder.collection({ name: 'articles' }).catalog.vectorSegment!.id;
folder.close();
// A torn data_level0.bin: the checkpoint is unusable and the WAL was purged past it.
truncateSync(join(data, seg, 'data_level0.bin'), 1000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = capturedCli();
const cli = (...argv: string[]) => run(argv);

describe('CLI on a damaged folder', () => {
  it('query fails with VECTORS_MISSING naming the collection, the file and how many records lack vectors', async () => {
    const r = await cli('query', data, '--collection', 'articles', '--args', JSON.stringify({ queryEmbeddings: [Array(16).fill(0.1)], nResults: 3 }));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error \[VECTORS_MISSING\]: Collection "articles": \d+ of 1349 records have no usable vector/);
    expect(r.err).toContain(`${seg}/data_level0.bin`);
  });

  it('count answers, prints the problems to stderr and exits 1', async () => {
    const r = await cli('count', data, '--collection', 'articles');
    expect(r.out.trim()).toBe('1349');
    expect(r.err).toMatch(/^error \[hnsw\.truncated\]: .*data_level0\.bin/m);
    expect(r.err).toMatch(/^error \[vectors\.missing\]: \d+ of 1349 record/m);
    expect(r.code).toBe(1);
  });

  it('get answers, prints the problems to stderr and exits 1; a sound collection stays quiet', async () => {
    const r = await cli('get', data, '--collection', 'articles', '--args', '{"limit":2}');
    expect(JSON.parse(r.out).ids).toHaveLength(2);
    expect(r.err).toMatch(/^error \[vectors\.missing\]/m);
    expect(r.code).toBe(1);
    const ok = await cli('query', data, '--collection', 'points', '--args', JSON.stringify({ queryEmbeddings: [[0.1, 0.2, 0.3]], nResults: 2 }));
    expect(ok.code).toBe(0);
    expect(ok.err).toBe('');
    expect(JSON.parse(ok.out).ids[0]).toHaveLength(2);
    expect(JSON.parse(ok.out).warnings).toBeUndefined();
  });
});
