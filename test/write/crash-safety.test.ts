import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { PersistentClient } from '../../src-main/index.js';
import { repoRoot } from '../helpers/paths.js';
import { batchRecords } from './crash-batches.js';
import { bundleEntry } from '../helpers/bundle-entry.js';


interface Scenario {
  title: string;
  collection: string;
  batch: number;
  /** Checkpoint persisted after every this many WAL rows. */
  syncThreshold: number;
  /** Records written before the first kill (a big index makes each persist slow, so kills land in it). */
  prefill: number;
  rounds: (readonly [minAcks: number, extraMs: number])[];
}

const SCENARIOS: Scenario[] = [
  { title: 'mid-transaction', collection: 'crash', batch: 400, syncThreshold: 300, prefill: 0, rounds: [[2, 0], [3, 7], [1, 23], [4, 41], [2, 63]] },
  {
    title: 'mid-checkpoint',
    collection: 'persist',
    batch: 20,
    syncThreshold: 2,
    prefill: 6000,
    rounds: [[1, 5], [2, 17], [1, 31], [3, 47], [1, 71], [2, 89], [1, 103], [2, 118], [1, 131], [2, 146]],
  },
];

/** Starts the writer, waits for `minAcks` acknowledged batches plus a moment, then SIGKILLs it. */
function writeAndKill(script: string, folder: string, s: Scenario, start: number, minAcks: number, extraMs: number) {
  return new Promise<{ acked: number[]; finished: boolean }>((resolve, reject) => {
    const child = spawn(process.execPath, [script, folder, s.collection, String(s.batch), '60', String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let finished = false;
    let stderr = '';
    let timer: NodeJS.Timeout | null = null;
    let buf = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdout.on('data', (d) => {
      buf += String(d);
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
        if (line === 'done') finished = true;
        if (acked.length >= minAcks && !timer) timer = setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`writer failed (${code}): ${stderr}`));
      else resolve({ acked, finished });
    });
  });
}

describe('crash safety: a writer SIGKILLed mid-batch loses nothing acknowledged and leaves no partial batch', () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-crash-')), 'data');
  let script = '';
  const leftovers: string[] = [];

  beforeAll(async () => {
    script = (await bundleEntry(join(repoRoot, 'test', 'write', 'crash-writer.ts'))).file;
    const client = new PersistentClient({ path: folder });
    for (const s of SCENARIOS) {
      const col = await client.createCollection({
        name: s.collection,
        configuration: { hnsw: { space: 'cosine', sync_threshold: s.syncThreshold } },
        embeddingFunction: null,
      });
      for (let b = 0; b * 1000 < s.prefill; b++) await col.add(batchRecords(10_000 + b, 1000));
    }
    await client.close();
  }, 120_000);

  afterAll(() => {
    rmSync(join(folder, '..'), { recursive: true, force: true });
    if (script) rmSync(join(script, '..'), { recursive: true, force: true });
  });

  for (const s of SCENARIOS) {
    const confirmed: number[] = [];
    const prefilled = s.prefill;
    s.rounds.forEach(([minAcks, extraMs], round) => {
      it(`${s.title}, round ${round}`, async () => {
        const { acked, finished } = await writeAndKill(script, folder, s, round * 100, minAcks, extraMs);
        expect(finished, 'the writer finished before it could be killed').toBe(false);
        expect(acked.length).toBeGreaterThanOrEqual(minAcks);
        leftovers.push(...readdirSync(folder).filter((n) => n.includes('.next-') || n.includes('.prev-') || n.includes('.trash-') || n.endsWith('-journal')));

        const client = new PersistentClient({ path: folder });
        try {
          const col = await client.getCollection({ name: s.collection });
          for (const b of acked) {
            const want = batchRecords(b, s.batch);
            const got = await col.get({ ids: want.ids, include: ['metadatas', 'documents', 'embeddings'] });
            expect(got.ids.length, `acknowledged batch ${b}`).toBe(s.batch);
            const at = new Map(got.ids.map((id, i) => [id, i]));
            for (let i = 0; i < s.batch; i += 7) {
              const j = at.get(want.ids[i]!)!;
              expect(got.metadatas[j]).toEqual(want.metadatas[i]);
              expect(got.documents[j]).toBe(want.documents[i]);
              got.embeddings[j]!.forEach((x, d) => expect(x).toBeCloseTo(want.embeddings[i]![d]!, 5));
            }
            confirmed.push(b);
          }
          // The batch in flight when the writer died: all of it or none of it; nothing after it.
          const inFlight = round * 100 + acked.length;
          const partial = await col.get({ where: { batch: inFlight }, include: [] });
          expect([0, s.batch]).toContain(partial.ids.length);
          if (partial.ids.length === s.batch) confirmed.push(inFlight);
          expect((await col.get({ where: { $and: [{ batch: { $gt: inFlight } }, { batch: { $lt: (round + 1) * 100 } }] }, include: [] })).ids).toEqual([]);
          expect(await col.count()).toBe(prefilled + confirmed.length * s.batch);
          // Vectors are queryable: a record finds itself first.
          const probe = batchRecords(confirmed[confirmed.length - 1]!, s.batch);
          const q = await col.query({ queryEmbeddings: [probe.embeddings[5]!], nResults: 1, include: ['distances'] });
          expect(q.ids[0]).toEqual([probe.ids[5]]);
        } finally {
          await client.close();
        }
        // Reopening repaired everything: no journal, no half-swapped segment folder, a checkpoint the reader accepts.
        expect(readdirSync(folder).filter((n) => n.includes('.next-') || n.includes('.prev-') || n.includes('.trash-') || n.endsWith('-journal'))).toEqual([]);
        const f = ChromaFolder.open(folder);
        try {
          expect(f.info().problems.filter((p) => p.severity === 'error')).toEqual([]);
        } finally {
          f.close();
        }
        expect(existsSync(join(folder, 'chroma.sqlite3'))).toBe(true);
      }, 60_000);
    });
  }

  it('the kills hit open transactions and checkpoint swaps', () => {
    console.log(`[crash] state found after the kills: ${leftovers.map((n) => n.replace(/[0-9a-f-]{36}/, '<segment>')).join(', ') || 'none'}`);
    expect(leftovers.some((n) => n.endsWith('-journal'))).toBe(true);
  });
});
