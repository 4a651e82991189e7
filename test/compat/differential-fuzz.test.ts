import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/index.js';
import { compareCase, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { chromaClients, realChromaProblem, reportSkip, startChroma, stopAllChroma } from '../helpers/reference-chroma.js';
// @ts-expect-error -- plain JS shared with the node scripts that drive real Chroma
import { fuzzCalls } from '../reference-chroma/fuzz-calls.mjs';
// @ts-expect-error -- plain JS
import { replayCases } from '../reference-chroma/replay-cases.mjs';

const problem = realChromaProblem();
reportSkip('differential fuzz', problem);

/** CI runs a fixed seed; `npm run bench` (or FUZZ_CALLS / FUZZ_SEED here) runs longer ones. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const CALLS = Number(process.env.FUZZ_CALLS ?? 400);

/**
 * Where Chroma searched a graph it built in memory from WAL rows (in parallel, so not reproducible),
 * it may miss a neighbour exact search finds. Such an answer cannot be matched, only bounded: every
 * hit Chroma returned that we also return has our distance, and each one we do not return is no
 * closer than our farthest hit — so ours is the exact top-k and Chroma's a recall miss. When fewer
 * records than k are admitted, a missed one leaves Chroma's answer shorter: every hit it returned
 * is then one of ours, at our distance. Counted and printed, not failed. (Seen: a query whose
 * filter admits five records got four from Chroma in one run of the suite, under load, and five
 * in six runs alone; ours gave the same five every time.)
 */
function isRecallMiss(c: RecordedCase, chroma: RecordedCase, ours: RecordedCase): boolean {
  if (c.op !== 'query' || !chroma.result || !ours.result) return false;
  const ch = chroma.result as { ids: string[][]; distances?: (number | null)[][] };
  const us = ours.result as { ids: string[][]; distances?: (number | null)[][] };
  if (!ch.distances || !us.distances) return false;
  return ch.ids.every((ids, q) => {
    const ourDistance = new Map(us.ids[q]!.map((id, i) => [id, us.distances![q]![i]!]));
    const same = (id: string, d: number) => ourDistance.has(id) && Math.abs(ourDistance.get(id)! - d) <= 1e-5 * Math.max(1, Math.abs(d));
    if (ids.length < us.ids[q]!.length) return ids.every((id, i) => same(id, ch.distances![q]![i]!));
    return ids.length === us.ids[q]!.length && ids.every((id, i) => {
      const d = ch.distances![q]![i]!;
      return ourDistance.has(id) ? Math.abs(ourDistance.get(id)! - d) <= 1e-5 * Math.max(1, Math.abs(d)) : d >= Math.max(...us.distances![q]!.map(Number));
    });
  });
}

// The same random calls through the chromadb client against real Chroma and through
// PersistentClient against a copy of the same folder (written by Chroma 1.3.4): every answer and
// every error must be the same.
describe.skipIf(problem !== null)(`differential fuzz against real Chroma (seed ${SEED}, ${CALLS} calls)`, () => {
  const work = mkdtempSync(join(tmpdir(), 'chroma-inspector-fuzz-'));
  afterAll(() => {
    stopAllChroma();
    rmSync(work, { recursive: true, force: true });
  });

  it('gives Chroma\'s answer to every call', async () => {
    const source = join(referenceFixture('workload-1.3.4-seed7'), 'data');
    cpSync(source, join(work, 'chroma'), { recursive: true });
    cpSync(source, join(work, 'ours'), { recursive: true });
    const calls = fuzzCalls(SEED, CALLS) as RecordedCase[];

    const server = await startChroma(join(work, 'chroma'));
    let chroma: RecordedCase[];
    try {
      chroma = (await replayCases((await chromaClients(server.port)).client, calls)) as RecordedCase[];
    } finally {
      await server.stop();
    }

    const open: PersistentClient[] = [];
    const client = (tenant?: string, database?: string) => {
      const c = new PersistentClient({ path: join(work, 'ours'), ...(tenant ? { tenant, database } : {}) });
      open.push(c);
      return c;
    };
    const ours = (await replayCases(client, calls)) as RecordedCase[];
    for (const c of open) await c.close();

    const differences: string[] = [];
    let recallMisses = 0;
    calls.forEach((call, i) => {
      const expected = chroma[i]!;
      const got = ours[i]!;
      const where = `${call.label} ${call.op} ${call.collection} ${JSON.stringify(call.args).slice(0, 300)}`;
      if (expected.error !== undefined || got.error !== undefined) {
        if (expected.error !== got.error) differences.push(`${where}\n    chroma: ${expected.error ?? 'an answer'}\n    ours:   ${got.error ?? 'an answer'}`);
        return;
      }
      const d = compareCase({ ...call, result: expected.result }, got.result);
      if (!d) return;
      if (isRecallMiss(call, expected, got)) recallMisses++;
      else differences.push(`${where}\n    ${d}`);
    });
    if (recallMisses) console.warn(`[fuzz] ${recallMisses} queries where Chroma's in-memory graph missed a neighbour exact search finds`);
    expect(chroma.filter((c) => c.error === undefined).length, 'most calls are answered').toBeGreaterThan(CALLS * 0.8);
    expect(differences).toEqual([]);
  }, 300_000);
});
