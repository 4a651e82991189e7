import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { copySources } from '../../src-main/source/copy/copy-sources.js';
import type { CopyReport } from '../../src-main/source/copy/copy-types.js';
import { serverEndpoint } from '../../src-main/source/server/server-endpoint.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { realChromaProblem, reportSkip, startChroma, stopAllChroma, type ChromaServer } from '../helpers/reference-chroma.js';
import { addEdgeCollection, arrayRows, collectionMetadataRows, collectionNames, metadataRows, type Scope } from './copy-fixtures.js';

// folder → server → folder on real Chroma: the original is a reference folder Chroma recorded,
// plus an `edge` collection Chroma itself wrote from raw JSON (float 2.0, ints past 2^53, bools,
// unicode, null documents, a uri, lists on 1.3.4). The result is compared with the original
// independently of the copy: plain SQL for every stored metadata row (the column that holds a
// value is its type) and the read engine for ids and vectors.

const DEFAULT: Scope = { tenant: 'default_tenant', database: 'default_database' };
const ACME: Scope = { tenant: 'acme', database: 'prod' };

const unverified = (r: CopyReport) =>
  r.collections.filter((c) => !c.verification.ok).map((c) => ({ name: c.name, counts: [c.sourceCount, c.targetCount], differences: [...c.verification.sampleDifferences, ...c.verification.queryDifferences] }));

/** Vectors of every record: exact for l2/ip; cosine within Chroma's own get rounding (unit vector × norm). */
function vectorDifferences(original: string, result: string, name: string, scope: Scope): string[] {
  const read = (dir: string) => {
    const f = ChromaFolder.open(dir);
    try {
      const got = f.get({ name, ...scope }, { include: ['embeddings'] });
      return { vectors: new Map(got.ids.map((id, i) => [id, got.embeddings[i]!])), space: f.collection({ name, ...scope }).params.space };
    } finally {
      f.close();
    }
  };
  const a = read(original);
  const b = read(result);
  const out: string[] = [];
  if (a.space !== b.space) out.push(`${name}: space ${a.space} became ${b.space}`);
  for (const [id, v] of a.vectors) {
    const w = b.vectors.get(id);
    if (!w) {
      out.push(`${name}/${id}: missing`);
      continue;
    }
    const norm = Math.hypot(...v);
    const tolerance = a.space === 'cosine' ? 1e-6 * norm : 0;
    if (v.length !== w.length || v.some((x, i) => Math.abs(Math.fround(x) - Math.fround(w[i]!)) > tolerance)) out.push(`${name}/${id}: vector differs`);
  }
  if (a.vectors.size !== b.vectors.size) out.push(`${name}: ${a.vectors.size} records became ${b.vectors.size}`);
  return out;
}

for (const version of ['1.3.4', '1.0.1']) {
  const problem = realChromaProblem(version);
  reportSkip(`copy round trip ${version}`, problem);

  describe.skipIf(problem !== null)(`copy folder → Chroma ${version} server → folder`, () => {
    // Made in beforeAll, so a skipped suite leaves nothing behind.
    const work = join(tmpdir(), `chroma-inspector-copy-round-trip-${process.pid}-${randomUUID().slice(0, 8)}`);
    const original = join(work, 'original');
    const result = join(work, 'result');
    let server: ChromaServer;
    let before: Record<string, string>;

    beforeAll(async () => {
      mkdirSync(work, { mode: 0o700 });
      cpSync(join(referenceFixture(`chroma-${version}-seed7`), 'data'), original, { recursive: true });
      // Chroma writes the edge collection into the original itself, then stops: the original is all Chroma's.
      const writer = await startChroma(original, version);
      try {
        await addEdgeCollection(writer.url, version === '1.3.4');
      } finally {
        await writer.stop();
      }
      before = hashTree(original);
      mkdirSync(join(work, 'served'));
      server = await startChroma(join(work, 'served'), version);
    }, 90_000);

    afterAll(async () => {
      await server?.stop();
      stopAllChroma();
      rmSync(work, { recursive: true, force: true });
    });

    it('copies every collection of both scopes to the server, verified, without touching the original', async () => {
      const progress: number[] = [];
      const first = await copySources({ kind: 'folder', path: original }, { kind: 'server', endpoint: serverEndpoint(server.url) }, { onProgress: (p) => progress.push(p.done) });
      expect(unverified(first)).toEqual([]);
      expect(first.collections.map((c) => c.name)).toEqual(collectionNames(original, DEFAULT));
      expect(first.collections.every((c) => c.created && c.skipped === 0 && c.copied === c.sourceCount)).toBe(true);
      expect(progress.at(-1)).toBe(first.collections.reduce((n, c) => n + c.sourceCount, 0));
      // The other scope: the tenant and database are created on the server.
      const acme = await copySources({ kind: 'folder', path: original, ...ACME }, { kind: 'server', endpoint: serverEndpoint(`${server.url}/?tenant=acme&database=prod`) });
      expect(unverified(acme)).toEqual([]);
      expect(acme.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/created tenant acme/), expect.stringMatching(/created database acme\/prod/)]));
      expect(hashTree(original)).toEqual(before);
    }, 60_000);

    it('copies them back from the server into a new folder, verified', async () => {
      const back = await copySources({ kind: 'server', endpoint: serverEndpoint(server.url) }, { kind: 'folder', path: result });
      expect(unverified(back)).toEqual([]);
      // A folder target takes the source's tenant/database.
      const acme = await copySources({ kind: 'server', endpoint: serverEndpoint(`${server.url}/?tenant=acme&database=prod`) }, { kind: 'folder', path: result });
      expect(acme.scopes.target).toEqual(ACME);
      expect(unverified(acme)).toEqual([]);
    }, 60_000);

    it('the result holds every id, document, uri, metadata value with its type and vector of the original', () => {
      for (const scope of [DEFAULT, ACME]) {
        const names = collectionNames(original, scope);
        expect(collectionNames(result, scope)).toEqual(names);
        for (const name of names) {
          expect(metadataRows(result, name, scope), `${name} metadata`).toEqual(metadataRows(original, name, scope));
          expect(arrayRows(result, name, scope), `${name} lists`).toEqual(arrayRows(original, name, scope));
          expect(collectionMetadataRows(result, name, scope), `${name} collection metadata`).toEqual(collectionMetadataRows(original, name, scope));
          expect(vectorDifferences(original, result, name, scope)).toEqual([]);
        }
      }
      // What the SQL comparison above covers, spelled out for the edge records.
      const edge = metadataRows(result, 'edge', DEFAULT);
      expect(edge).toContain('e-float|f|-|-|real:2|-');
      expect(edge).toContain('e-int|i|-|int:2|-|-');
      expect(edge).toContain('e-bool|t|-|-|-|int:1');
      expect(edge).toContain('e-big|big|-|int:9007199254740993|-|-');
      expect(edge).toContain('e-unicode|chroma:document|text:naïve 日本語 emoji🙂|-|-|-');
      expect(edge).toContain('e-uri|chroma:uri|text:s3://bucket/key|-|-|-');
      expect(edge.some((r) => r.startsWith('e-null-doc|chroma:document'))).toBe(false);
      expect(collectionMetadataRows(result, 'edge', DEFAULT)).toContain('ratio|-|-|real:2|-');
      expect(hashTree(original)).toEqual(before);
    });
  });
}
