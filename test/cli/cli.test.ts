import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { capturedCli } from '../helpers/run-cli-captured.js';

const fixture = referenceFixture('chroma-1.3.4-seed7');
const data = join(fixture, 'data');
const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;

const run = capturedCli();
const cli = (...argv: string[]) => run(argv);

describe('chroma-inspector CLI', () => {
  it('info --json describes the folder', async () => {
    const r = await cli('info', data, '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.out);
    expect(info.era.rustCore).toBe(true);
    const names = info.tenants.flatMap((t: { databases: { collections: { name: string }[] }[] }) => t.databases.flatMap((d) => d.collections.map((c) => c.name)));
    expect(names.sort()).toEqual(['articles', 'empty', 'inner', 'points', 'tickets', 'tiny']);
  });

  it('info without --json prints a readable summary', async () => {
    const r = await cli('info', data);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/written by\s+Python 1\.5\+/);
    expect(r.out).toMatch(/articles\s+\d+ records, dim 16/);
  });

  for (const c of cases.filter((x) => x.collection === 'articles' || x.collection.startsWith('tickets'))) {
    it(`${c.op} ${c.collection} | ${c.label} answers as Chroma did`, async () => {
      const [name, td] = c.collection.split('@');
      const argv = [c.op, data, '--collection', name!];
      if (td) argv.push('--tenant', td.split('/')[0]!, '--database', td.split('/')[1]!);
      if (c.op !== 'count') argv.push('--args', JSON.stringify(c.args));
      const r = await cli(...argv);
      if (c.error !== undefined) {
        expect(r.code).not.toBe(0);
        expect(r.err).toMatch(/^error \[[A-Z_]+\]: /);
        return;
      }
      expect(r.code, r.err).toBe(0);
      expect(compareCase(c, JSON.parse(r.out))).toBeNull();
    });
  }

  it('why names the where leaf that turns a record away, in words and as JSON', async () => {
    const c = cases.find((x) => x.collection === 'articles' && x.label === 'query where {"year":{"$gt":2010}}')!;
    const q = (c.args as { queryEmbeddings: number[][] }).queryEmbeddings[0]!;
    const got = JSON.parse((await cli('get', data, '--collection', 'articles', '--args', JSON.stringify({ where: { year: { $lte: 2010 } }, limit: 1, include: ['metadatas'] }))).out);
    const [id, year] = [got.ids[0] as string, got.metadatas[0].year as number];
    const args = JSON.stringify({ queryEmbeddings: [q], nResults: 5, where: { year: { $gt: 2010 } } });
    const text = await cli('why', data, '--collection', 'articles', '--id', id, '--args', args);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(`excluded-by-where: The where filter turns ${JSON.stringify(id)} away: "year" is ${year} (int), not > 2010 (int).`);
    expect(text.out).toContain('where  {"year":{"$gt":2010}}');
    const json = await cli('why', data, '--collection', 'articles', '--id', id, '--args', args, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ id, cause: 'excluded-by-where', k: 5, misses: [{ leaf: '{"year":{"$gt":2010}}', recordValue: `${year} (int)` }] });
  });

  it('why without --id or --args is a usage error', async () => {
    expect((await cli('why', data, '--collection', 'articles', '--args', '{}')).err).toMatch(/why needs --id/);
    expect((await cli('why', data, '--collection', 'articles', '--id', 'x')).code).toBe(2);
  });

  it('recall prints the sweep as a table, and the report as JSON', async () => {
    const json = await cli('recall', data, '--collection', 'articles', '--k', '5', '--queries', '30', '--seed', '4', '--json');
    expect(json.code, json.err).toBe(0);
    const report = JSON.parse(json.out);
    expect(report).toMatchObject({ collection: 'articles', k: 5, queries: 30, space: 'cosine' });
    const text = await cli('recall', data, '--collection', 'articles', '--k', '5', '--queries', '30', '--seed', '4');
    expect(text.out).toContain(`articles: recall@5 ${(100 * report.recall).toFixed(1)}% at ef_search ${report.params.efSearch} (30 queries of ${report.records} records, cosine`);
    expect(text.out).toMatch(/ {5}ef {3}recall {3}worst {3}ms\/query/);
    expect((await cli('recall', data, '--collection', 'articles', '--k', 'x')).err).toMatch(/--k takes a whole number/);
  });

  it('bad --args JSON is a clear error and a non-zero exit', async () => {
    const r = await cli('get', data, '--collection', 'points', '--args', '{nope');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--args is not valid JSON/);
  });

  it('a missing --collection is a usage error', async () => {
    const r = await cli('count', data);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/needs --collection/);
  });

  it('a missing folder names it', async () => {
    const r = await cli('info', join(data, 'nope'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NOT_FOUND.*nope does not exist/);
  });
});

describe('backup, verify, restore and export from the command line', () => {
  it('round-trips a folder through a zip and answers the same', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ci-cli-backup-'));
    try {
      const zip = join(dir, 'b.zip');
      let r = await cli('backup', data, zip);
      expect(r.code, r.err).toBe(0);
      r = await cli('verify', zip);
      expect(r.code, r.err).toBe(0);
      r = await cli('restore', zip, join(dir, 'restored'));
      expect(r.code, r.err).toBe(0);
      const c = cases.find((x) => x.collection === 'inner' && x.label === 'query k=5')!;
      r = await cli('query', join(dir, 'restored'), '--collection', 'inner', '--args', JSON.stringify(c.args));
      expect(compareCase(c, JSON.parse(r.out))).toBeNull();
      r = await cli('restore', zip, join(dir, 'restored'));
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/not empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
