import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Problem } from '../../shared/models.js';
import { readCheckpoint, readHeaderOnly } from '../../src-main/engine/hnsw/checkpoint.js';
import { PERSISTENT_DATA_CLASS } from '../../src-main/engine/hnsw/index-metadata.js';
import { BruteForceIndex, HnswlibIndex } from '../../src-main/engine/hnsw/vector-index.js';
import { relClose, snapshot } from '../engine/hnsw/helpers.js';
import { corpusSuite, hasRealWorld, realWorldDir as realWorld } from '../helpers/paths.js';

const IRONHACK = 'ironhack-labs-lab-langchain-med-chroma_store';
const IRONHACK_SEG = '207023ad-a5a0-4cf2-a6ef-8cc40ed0113e';
const SCARF = '22-JWL-SCARF-chroma_db-8c5682d';
const SCARF_SEG = 'e84e0897-c945-438d-99be-636f578a810c';
const AVNEET = 'Avneet1710-UdaPlay-AgenticAI-chromadb';
const AVNEET_SEG = '455d0e2b-429c-4d67-ab94-0c4d057d3c5b';

const errors = (problems: Problem[]) => problems.filter((p) => p.severity === 'error');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.skipIf(!hasRealWorld)(corpusSuite('HNSW checkpoints of real-world folders'), () => {
  it('ironhack: Python class pickle, 1000 ids, data files shorter than the header capacity', async () => {
    const root = path.join(realWorld, IRONHACK);
    const before = snapshot(path.join(root, IRONHACK_SEG));
    const r = readCheckpoint(root, IRONHACK_SEG, { space: 'l2' });
    expect(snapshot(path.join(root, IRONHACK_SEG))).toEqual(before);
    expect(errors(r.problems)).toEqual([]);
    expect(r.usable).toBe(true);
    expect(r.pickle?.form).toBe('python-class');
    expect(r.pickle?.className).toBe(PERSISTENT_DATA_CLASS);
    expect(r.idToLabel.size).toBe(1000);
    expect(r.header).toMatchObject({ maxElements: 2040, curElementCount: 1000, dim: 384 });
    expect(r.files.find((f) => f.path.endsWith('data_level0.bin'))?.bytes).toBe(1000 * 1676);
    expect(r.vectors.size).toBe(1000);

    // Each stored vector is found at distance 0. The folder holds duplicate documents, so which of
    // several equal vectors survives a k cutoff is undefined for HNSW (docs/format.md §7.3): compare distances.
    const brute = BruteForceIndex.fromCheckpoint(r, 'l2');
    const hnsw = await HnswlibIndex.fromCheckpoint(root, IRONHACK_SEG, r, { space: 'l2' });
    for (const [label, vec] of [...r.vectors].slice(0, 40)) {
      const exact = brute.search(vec, 5);
      expect(exact[0]!.distance).toBe(0);
      expect(exact.some((h) => h.label === label)).toBe(true);
      const approx = hnsw.search(vec, 5);
      // hnswlib's SIMD kernels sum in another order than our float32 loop: ~1e-6 relative (docs/format.md §6.6).
      approx.forEach((h, i) => expect(relClose(h.distance, exact[i]!.distance)).toBe(true));
      expect(r.vectors.get(approx[0]!.label)).toEqual(vec);
    }
  });

  it('SCARF 8c5682d: Rust dict pickle, 608 ids, no dimensionality, empty id_to_seq_id', () => {
    const r = readCheckpoint(path.join(realWorld, SCARF), SCARF_SEG, { space: 'l2' });
    expect(errors(r.problems)).toEqual([]);
    expect(r.usable).toBe(true);
    expect(r.pickle).toMatchObject({ form: 'rust-dict', dimensionality: null, idToLabelCount: 608, idToSeqIdCount: 0 });
    expect(r.header).toMatchObject({ maxElements: 1024, curElementCount: 608, dim: 384 });
    expect(r.vectors.size).toBe(608);
  });

  it('Avneet: data_level0.bin missing and no pickle → informational only', () => {
    const r = readCheckpoint(path.join(realWorld, AVNEET), AVNEET_SEG, { space: 'l2' });
    expect(r.usable).toBe(false);
    expect(errors(r.problems)).toEqual([]);
    const codes = r.problems.map((p) => `${p.code} ${p.file}`);
    expect(codes).toContain(`hnsw.no-checkpoint ${AVNEET_SEG}/index_metadata.pickle`);
    expect(codes).toContain(`hnsw.missing-file ${AVNEET_SEG}/data_level0.bin`);
    expect(codes).toContain(`hnsw.unexpected-file ${AVNEET_SEG}/.bin`);
    expect(r.files.find((f) => f.path === `${AVNEET_SEG}/.bin`)?.kind).toBe('other');
  });

  it('never throws on any real-world segment folder, and agrees with readHeaderOnly', () => {
    let seen = 0;
    for (const folder of fs.readdirSync(realWorld)) {
      const root = path.join(realWorld, folder);
      if (!fs.statSync(root).isDirectory()) continue;
      for (const seg of fs.readdirSync(root).filter((n) => UUID.test(n))) {
        const full = readCheckpoint(root, seg, { space: 'cosine' });
        const cheap = readHeaderOnly(root, seg);
        expect(cheap.header).toEqual(full.header);
        expect(cheap.pickle).toEqual(full.pickle);
        expect(cheap.hasCheckpoint).toBe(full.usable);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(15);
  });
});
