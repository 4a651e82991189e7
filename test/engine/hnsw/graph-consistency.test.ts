import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkGraphConsistencySteps } from '../../../src-main/engine/hnsw/graph-consistency.js';
import { readCheckpoint } from '../../../src-main/engine/hnsw/checkpoint.js';
import { readHeaderFile } from '../../../src-main/engine/hnsw/segment-files.js';
import { runSteps } from '../../../src-main/engine/util/steps.js';
import { referenceFixture } from '../../helpers/paths.js';

// hnsw/graph-consistency.ts: the only evidence of a vector block replaced by another index's
// (same layout, same labels) is that the vectors no longer fit their own graph. A checkpoint real
// Chroma wrote must pass; the same checkpoint with its vectors moved between elements must not,
// and the checkpoint read must then refuse it (hnsw.graph-mismatch).

const data = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
// The fixture's l2 segment of 1,000 elements (docs/format.md §6).
const SEGMENT = 'f39d38a1-33ea-4baa-bed2-a6f934e4bd9a';
const tmp = mkdtempSync(join(tmpdir(), 'graph-consistency-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the folder whose elements each carry another element's vector (labels and links unchanged). */
function withVectorsMoved(): string {
  const copy = join(tmp, 'moved');
  cpSync(data, copy, { recursive: true });
  const file = join(copy, SEGMENT, 'data_level0.bin');
  const header = readHeaderFile(join(copy, SEGMENT), `${SEGMENT}/header.bin`);
  const bytes = readFileSync(file);
  const moved = Buffer.from(bytes);
  const { curElementCount: n, sizeDataPerElement: size, offsetData, dim } = header;
  for (let id = 0; id < n; id++) {
    const from = ((id * 7 + 13) % n) * size + offsetData;
    bytes.copy(moved, id * size + offsetData, from, from + dim * 4);
  }
  writeFileSync(file, moved);
  return copy;
}

describe('the graph consistency check', () => {
  it('passes a checkpoint real Chroma wrote, with pauses between its samples', () => {
    const header = readHeaderFile(join(data, SEGMENT), `${SEGMENT}/header.bin`);
    const steps = checkGraphConsistencySteps(join(data, SEGMENT, 'data_level0.bin'), header, 'l2');
    let pauses = 0;
    let r = steps.next();
    for (; !r.done; r = steps.next()) pauses++;
    expect(r.value.consistent).toBe(true);
    expect(r.value.neighbourWins).toBeGreaterThan(0.9);
    // 96 samples, a pause after every 16th.
    expect(pauses).toBe(6);
  });

  it('finds vectors that are not the graph’s, and the checkpoint read refuses them', () => {
    const copy = withVectorsMoved();
    const header = readHeaderFile(join(copy, SEGMENT), `${SEGMENT}/header.bin`);
    const check = runSteps(checkGraphConsistencySteps(join(copy, SEGMENT, 'data_level0.bin'), header, 'l2'));
    expect(check.consistent).toBe(false);
    expect(check.neighbourWins).toBeLessThan(0.7);
    const read = readCheckpoint(copy, SEGMENT, { space: 'l2' });
    expect(read.usable).toBe(false);
    expect(read.problems.map((p) => p.code)).toContain('hnsw.graph-mismatch');
    expect(readCheckpoint(data, SEGMENT, { space: 'l2' }).usable).toBe(true);
  });
});
