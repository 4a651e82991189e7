import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PersistentAdminClient, PersistentClient } from '../../src-main/index.js';
import { diff } from '../helpers/compare.js';
import { repoRoot } from '../helpers/paths.js';
// @ts-expect-error -- plain JS shared with the node runner that records real Chroma
import { runApiProbe } from '../compat/api-probe.mjs';

interface Step {
  step: string;
  ok?: unknown;
  error?: { name: string; message: string };
}

/** What real Chroma 1.3.4 + chromadb 3.5.0 answered to every step (recorded by test/compat/api-probe.mjs). */
const recorded = (JSON.parse(readFileSync(join(repoRoot, 'test', 'write', 'fixtures', 'api-probe-chroma-1.3.4.json'), 'utf8')) as { steps: Step[] }).steps;

// Code written against ChromaClient, run against PersistentClient: same results, same errors,
// same messages (validation included: dimension mismatch, duplicate ids, bad metadata types,
// empty ids, batches over 5461, …).
describe('PersistentClient answers the API probe as ChromaClient + Chroma 1.3.4 did', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-api-')), 'data');
  const clients: { close(): Promise<void> }[] = [];
  let ours: Step[] = [];

  afterAll(async () => {
    for (const c of clients) await c.close();
  });

  it('runs the probe', async () => {
    ours = await runApiProbe({
      client: (tenant?: string, database?: string) => {
        const c = new PersistentClient({ path, ...(tenant ? { tenant, database } : {}) });
        clients.push(c);
        return c;
      },
      admin: () => {
        const a = new PersistentAdminClient({ path });
        clients.push(a);
        return a;
      },
    });
    expect(ours.map((s) => s.step)).toEqual(recorded.map((s) => s.step));
  });

  for (const [i, want] of recorded.entries()) {
    it(want.step, () => {
      const got = ours[i]!;
      if (want.error) {
        expect(got.error, `Chroma answered ${JSON.stringify(want.error)}`).toEqual(want.error);
      } else {
        expect(got.error, 'Chroma succeeded').toBeUndefined();
        expect(diff(want.ok, got.ok)).toBeNull();
      }
    });
  }
});
