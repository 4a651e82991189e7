import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { serverEndpoint } from '../../src-main/source/server/server-endpoint.js';
import { ServerSource } from '../../src-main/source/server/server-source.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { chromaClients, realChromaProblem, reportSkip, startChroma, stopAllChroma, type ChromaServer } from '../helpers/reference-chroma.js';
import { capturedCli } from '../helpers/run-cli-captured.js';
// @ts-expect-error -- plain JS: the official client's replay of recorded cases
import { replayCases } from '../reference-chroma/replay-cases.mjs';
// @ts-expect-error -- plain JS: how the recordings normalise error messages (the request URL differs per run)
import { errorMessage } from '../reference-chroma/workload.mjs';

// The recorded reference cases, answered by real Chroma serving the very folder it recorded them
// on, through ServerSource and through the CLI given a URL: every answer and every error must be
// the recorded one. The oracle is the recording, made by Chroma with the official client.
// One exception: a query over a collection whose newest records are still in the WAL is answered
// by a graph Chroma builds when it loads, and that graph differs per process (neighbours near the
// k-th place come and go). Such a query that differs from the recording is asked again of the same
// server through the official client; ServerSource must then give exactly that server's answer.

const norm = (message: string): string => errorMessage({ message });
const cli = capturedCli();

/** The difference between a recorded case and what we answered (or threw), or null. */
function mismatch(c: RecordedCase, got: { result?: unknown; error?: string }): string | null {
  const where = `${c.collection} | ${c.label}`;
  if (c.error !== undefined || got.error !== undefined) {
    return c.error !== undefined && got.error !== undefined && norm(c.error) === norm(got.error) ? null : `${where}: expected error ${c.error ?? 'none'}, got ${got.error ?? 'an answer'}`;
  }
  const d = compareCase(c, got.result);
  return d ? `${where}: ${d}` : null;
}

/** Like `mismatch`, but a query answer the server itself now gives (asked by the official client) is right. */
async function judge(c: RecordedCase, got: { result?: unknown; error?: string }, port: number): Promise<string> {
  const m = mismatch(c, got);
  if (m === null || c.op !== 'query' || c.error !== undefined || got.error !== undefined) return m ?? '';
  const [now] = (await replayCases((await chromaClients(port)).client, [c])) as RecordedCase[];
  if (now!.error !== undefined) return m;
  return mismatch({ ...c, result: now!.result }, got) === null ? '' : `${m} (and the server's answer now differs too)`;
}

const cliArgs = (c: RecordedCase, url: string) => {
  const { name, tenant, database } = splitCollection(c.collection);
  return [c.op, url, '--collection', name, ...(tenant ? ['--tenant', tenant, '--database', database!] : []), ...(c.op === 'count' ? [] : ['--args', JSON.stringify(c.args)])];
};

for (const version of ['1.3.4', '1.0.1']) {
  const problem = realChromaProblem(version);
  reportSkip(`server source ${version}`, problem);

  describe.skipIf(problem !== null)(`a Chroma ${version} server as a source`, () => {
    const fixture = referenceFixture(`chroma-${version}-seed7`);
    const cases = (JSON.parse(readFileSync(join(fixture, 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
    const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-server-source-'));
    let server: ChromaServer;

    beforeAll(async () => {
      // Chroma writes to the folder it serves: it gets a copy.
      cpSync(join(fixture, 'data'), join(work, 'data'), { recursive: true });
      server = await startChroma(join(work, 'data'), version);
    }, 90_000);

    afterAll(async () => {
      await server?.stop();
      stopAllChroma();
      rmSync(work, { recursive: true, force: true });
    });

    it('ServerSource answers every recorded case as Chroma recorded it, errors included', async () => {
      const source = await ServerSource.connect(serverEndpoint(server.url));
      // The version is the server's own word (Rust-era Chroma answers "1.0.0" whatever its release).
      expect(source.version).toBe(await (await fetch(`${server.url}/api/v2/version`)).json());
      const bad: string[] = [];
      for (const c of cases) {
        const ref = splitCollection(c.collection);
        try {
          const result = c.op === 'count' ? await source.count(ref) : c.op === 'get' ? await source.get(ref, c.args) : await source.query(ref, c.args);
          bad.push(await judge(c, { result }, server.port));
        } catch (err) {
          expect(err).toBeInstanceOf(InspectorError);
          bad.push(await judge(c, { error: (err as Error).message }, server.port));
        }
      }
      expect(bad.filter(Boolean)).toEqual([]);
      expect(cases.filter((c) => c.error !== undefined).length).toBeGreaterThan(5);
    }, 120_000);

    it('the CLI given the URL prints the recorded answers (and the recorded errors, exit 1)', async () => {
      const bad: string[] = [];
      for (const c of cases) {
        const run = await cli(cliArgs(c, server.url));
        if (c.error !== undefined) {
          const m = /^error \[[A-Z_]+\]: (.*)\n$/s.exec(run.err);
          bad.push(run.code === 1 && m ? (mismatch(c, { error: m[1]! }) ?? '') : `${c.label}: exit ${run.code}, stderr ${run.err}`);
        } else {
          bad.push(run.code === 0 && run.err === '' ? await judge(c, { result: JSON.parse(run.out) }, server.port) : `${c.label}: exit ${run.code}, stderr ${run.err}`);
        }
      }
      expect(bad.filter(Boolean)).toEqual([]);
    }, 180_000);

    it('info lists the collections of the database in use with the recorded counts', async () => {
      const counts = new Map(cases.filter((c) => c.op === 'count').map((c) => [c.collection, c.result as number]));
      const listed = async (argv: string[]) => {
        const run = await cli(['info', ...argv, '--json']);
        expect(run.code, run.err).toBe(0);
        const info = JSON.parse(run.out);
        expect(info).toMatchObject({ kind: 'server', url: server.url, version: await (await fetch(`${server.url}/api/v2/version`)).json(), api: 'v2' });
        return info.tenants.flatMap((t: { databases: { collections: { name: string; tenant: string; database: string; count: number }[] }[] }) =>
          t.databases.flatMap((d) => d.collections.map((x) => [x.tenant === 'default_tenant' ? x.name : `${x.name}@${x.tenant}/${x.database}`, x.count])),
        );
      };
      const all = [...(await listed([server.url])), ...(await listed([`${server.url}/?tenant=acme&database=prod`]))];
      for (const [name, count] of counts) expect(all, name).toContainEqual([name, count]);
      const text = await cli(['info', server.url]);
      expect(text.out).toMatch(/server {7}Chroma \d+\.\d+\.\d+ \(HTTP API v2\)/);
      expect(text.out).toMatch(/database default_database\n {6}\S+ {2}\d+ records/);
    }, 60_000);
  });
}
