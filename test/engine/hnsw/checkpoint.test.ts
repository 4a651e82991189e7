import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Problem } from '../../../shared/models.js';
import {
  joinStandardIndex, readCheckpoint, readHeaderOnly, writeStandardIndexFile, type CheckpointResult,
} from '../../../src-main/engine/hnsw/checkpoint.js';
import { decodeIndexMetadata } from '../../../src-main/engine/hnsw/index-metadata.js';
import { readPickle } from '../../../src-main/engine/hnsw/pickle-reader.js';
import {
  ARTICLES, INNER, POINTS, copySegment, loadCases, openSqlite, relClose, rustPickle, sample134, seed7, snapshot, type TempCopy,
} from './helpers.js';

const errors = (r: { problems: Problem[] }) => r.problems.filter((p) => p.severity === 'error');
const codes = (r: { problems: Problem[] }) => r.problems.map((p) => `${p.severity}:${p.code}`);

function onlyError(r: CheckpointResult, code: string, file: string, message: RegExp): void {
  expect(r.usable).toBe(false);
  expect(r.vectors.size).toBe(0);
  expect(r.idToLabel.size).toBe(0);
  const errs = errors(r);
  expect(errs.map((p) => p.code)).toContain(code);
  const p = errs.find((e) => e.code === code)!;
  expect(p.file).toBe(file);
  expect(p.message).toMatch(message);
}

describe('readCheckpoint on Chroma 1.3.4 fixtures', () => {
  it('reads the cosine `articles` checkpoint (Rust pickle, deletions)', () => {
    const before = snapshot(path.join(seed7, ARTICLES));
    const r = readCheckpoint(seed7, ARTICLES, { space: 'cosine' });
    expect(snapshot(path.join(seed7, ARTICLES))).toEqual(before);
    expect(errors(r)).toEqual([]);
    expect(r.usable).toBe(true);
    expect(r.header?.dim).toBe(16);
    expect(r.pickle?.form).toBe('rust-dict');
    expect(r.idToLabel.size).toBe(1349);
    expect(r.totalElementsAdded).toBe(1502);
    expect(r.maxSeqId).toBeNull();
    expect(r.deletedCount + r.idToLabel.size + r.phantomLabels.length).toBe(1502);
    expect(r.deletedCount).toBeGreaterThan(0);
    expect(r.vectors.size).toBe(1349);
    expect(r.storedVectors.size).toBe(1349);
    expect(r.files.map((f) => [f.path, f.kind])).toEqual([
      [`${ARTICLES}/data_level0.bin`, 'hnsw'],
      [`${ARTICLES}/header.bin`, 'hnsw'],
      [`${ARTICLES}/index_metadata.pickle`, 'pickle'],
      [`${ARTICLES}/length.bin`, 'hnsw'],
      [`${ARTICLES}/link_lists.bin`, 'hnsw'],
    ]);
    expect(r.files.find((f) => f.path.endsWith('data_level0.bin'))?.bytes).toBe(306408);
    // Stored cosine vectors are unit length; the originals are not.
    for (const v of [...r.storedVectors.values()].slice(0, 50)) {
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  it('de-normalises cosine vectors exactly as Chroma get(include=embeddings) returns them', () => {
    const r = readCheckpoint(seed7, ARTICLES, { space: 'cosine' });
    const kase = loadCases().find((c) => c.collection === 'articles' && c.label === 'get ids')!;
    const res = kase.result as { ids: string[]; embeddings: number[][] };
    expect(res.ids.length).toBeGreaterThan(0);
    res.ids.forEach((id, i) => {
      const vec = r.vectors.get(r.idToLabel.get(id)!)!;
      expect(vec).toBeDefined();
      res.embeddings[i]!.forEach((x, j) => expect(relClose(vec[j]!, x)).toBe(true));
    });
  });

  it('maps labels to exactly the ids of the metadata segment (no WAL tail for articles)', () => {
    const r = readCheckpoint(seed7, ARTICLES, { space: 'cosine' });
    const db = openSqlite(path.join(seed7, 'chroma.sqlite3'));
    try {
      const ids = db
        .prepare(
          `SELECT e.embedding_id AS id FROM embeddings e JOIN segments m ON m.id = e.segment_id
           JOIN segments v ON v.collection = m.collection WHERE v.id = ? AND m.scope = 'METADATA'`,
        )
        .all(ARTICLES) as { id: string }[];
      expect(new Set(ids.map((x) => x.id))).toEqual(new Set(r.idToLabel.keys()));
    } finally {
      db.close();
    }
    // Chroma answered this case with "Error finding id": one of its ids has no label.
    const kase = loadCases().find((c) => c.collection === 'articles' && c.label === 'query ids')!;
    expect(kase.error).toMatch(/Error finding id/);
    expect((kase.args.ids as string[]).some((id) => !r.idToLabel.has(id))).toBe(true);
  });

  it('reads the ip `inner` checkpoint; the stored vectors are the originals', () => {
    const r = readCheckpoint(seed7, INNER, { space: 'ip' });
    expect(errors(r)).toEqual([]);
    expect(r.usable).toBe(true);
    expect(r.header?.dim).toBe(32);
    expect(r.idToLabel.size).toBe(1000);
    expect(r.storedVectors).toBe(r.vectors);
    // inner-0 predates the checkpoint and the WAL tail never touches it, so the case's vector is the checkpoint's.
    const kase = loadCases().find((c) => c.collection === 'inner' && c.label === 'get ids')!;
    const res = kase.result as { ids: string[]; embeddings: number[][] };
    const vec = r.vectors.get(r.idToLabel.get('inner-0')!)!;
    res.embeddings[res.ids.indexOf('inner-0')]!.forEach((x, j) => expect(relClose(vec[j]!, x)).toBe(true));
  });

  it('reports a never-persisted segment (no pickle) as plain state, not an error', () => {
    for (const [root, seg] of [[seed7, POINTS], [sample134, 'd6b15d2f-5bc7-4404-8802-e8bb44d94ffd']] as const) {
      const r = readCheckpoint(root, seg, { space: 'l2' });
      expect(r.usable).toBe(false);
      expect(errors(r)).toEqual([]);
      expect(codes(r)).toEqual(['info:hnsw.no-checkpoint']);
      expect(r.header?.curElementCount).toBe(0);
      expect(r.pickle).toBeNull();
    }
  });

  it('reports a missing segment folder as info', () => {
    const r = readCheckpoint(seed7, 'no-such-segment', { space: 'l2' });
    expect(r.usable).toBe(false);
    expect(codes(r)).toEqual(['info:hnsw.missing-folder']);
    expect(r.files).toEqual([]);
  });

  it('joins the four files into the standard hnswlib layout', () => {
    const r = readCheckpoint(seed7, ARTICLES, { space: 'cosine' });
    const joined = joinStandardIndex(seed7, ARTICLES);
    const h = r.header!;
    const link = fs.statSync(path.join(seed7, ARTICLES, 'link_lists.bin')).size;
    expect(joined.length).toBe(96 + h.curElementCount * h.sizeDataPerElement + link);
    expect(joined.subarray(0, 96)).toEqual(fs.readFileSync(path.join(seed7, ARTICLES, 'header.bin')).subarray(4));
  });

  it('refuses to join an empty index or to write inside the Chroma folder', () => {
    expect(() => joinStandardIndex(seed7, POINTS)).toThrow(/the index is empty; nothing to join/);
    expect(() => writeStandardIndexFile(seed7, ARTICLES, path.join(seed7, 'joined.bin'))).toThrow(/refusing to write/);
    expect(fs.existsSync(path.join(seed7, 'joined.bin'))).toBe(false);
  });

  it('readHeaderOnly gives header, sizes and pickle summary without vectors', () => {
    const a = readHeaderOnly(seed7, ARTICLES);
    expect(a.hasCheckpoint).toBe(true);
    expect(a.pickle?.idToLabelCount).toBe(1349);
    expect(a.header?.curElementCount).toBe(1502);
    expect(a.problems).toEqual([]);
    const p = readHeaderOnly(seed7, POINTS);
    expect(p.hasCheckpoint).toBe(false);
    expect(p.header?.curElementCount).toBe(0);
    expect(readHeaderOnly(seed7, 'nope').folderExists).toBe(false);
  });
});

describe('readCheckpoint on damaged copies', () => {
  let copy: TempCopy | null = null;
  afterEach(() => {
    copy?.cleanup();
    copy = null;
  });
  const damaged = (seg = ARTICLES) => (copy = copySegment(seed7, seg));
  const read = (c: TempCopy, space: 'l2' | 'ip' | 'cosine' = 'cosine') => readCheckpoint(c.root, ARTICLES, { space });
  const rel = (name: string) => `${ARTICLES}/${name}`;

  it('zero-byte header', () => {
    const c = damaged();
    fs.writeFileSync(c.file('header.bin'), '');
    onlyError(read(c), 'hnsw.bad-header', rel('header.bin'), /header\.bin: header is 0 bytes, expected 100/);
  });

  it('garbage header', () => {
    const c = damaged();
    fs.writeFileSync(c.file('header.bin'), Buffer.alloc(100, 0x5a));
    onlyError(read(c), 'hnsw.bad-header', rel('header.bin'), /persistence version/);
  });

  it('truncated data_level0.bin', () => {
    const c = damaged();
    fs.truncateSync(c.file('data_level0.bin'), 204 * 1000);
    onlyError(read(c), 'hnsw.truncated', rel('data_level0.bin'), /204000 bytes, but 1502 elements × 204 bytes need 306408/);
  });

  it('missing data_level0.bin and length.bin', () => {
    const c = damaged();
    fs.rmSync(c.file('data_level0.bin'));
    fs.rmSync(c.file('length.bin'));
    const r = read(c);
    onlyError(r, 'hnsw.missing-file', rel('data_level0.bin'), /file is missing/);
    expect(errors(r).map((p) => p.file)).toContain(rel('length.bin'));
  });

  it('truncated length.bin matters for cosine only', () => {
    const c = damaged();
    fs.truncateSync(c.file('length.bin'), 100);
    // Chroma loads the 25 norms that are there; the elements past them lose their original vector.
    const r = read(c);
    expect(r.usable).toBe(true);
    const warn = r.problems.find((p) => p.code === 'hnsw.truncated')!;
    expect(warn.severity).toBe('warning');
    expect(warn.file).toBe(rel('length.bin'));
    expect(warn.message).toMatch(/100 bytes, but 1502 cosine norms × 4 bytes need 6008/);
    const damage = errors(r).find((p) => p.code === 'hnsw.damaged-vectors')!;
    expect(damage.file).toBe(rel('length.bin'));
    expect(r.vectors.size + r.damagedLabels.size).toBe(1349);
    expect(r.vectors.size).toBeLessThanOrEqual(25);
    expect(read(c, 'l2').usable).toBe(true);
  });

  it('truncated link_lists.bin: the graph is unusable, the vectors are not (exact search needs no links)', () => {
    const c = damaged();
    fs.truncateSync(c.file('link_lists.bin'), 5000);
    const r = read(c);
    expect(r.usable).toBe(true);
    expect(r.graphUsable).toBe(false);
    expect(r.vectors.size).toBe(1349);
    const p = r.problems.find((x) => x.code === 'hnsw.truncated')!;
    expect(p.severity).toBe('warning');
    expect(p.file).toBe(rel('link_lists.bin'));
    expect(p.message).toMatch(/file ends at byte 5000/);
  });

  it('truncated pickle → EOF-style CORRUPT_PICKLE problem', () => {
    const c = damaged();
    fs.truncateSync(c.file('index_metadata.pickle'), 812);
    const r = read(c);
    onlyError(r, 'pickle.corrupt', rel('index_metadata.pickle'), /index_metadata\.pickle: truncated at byte 812 \(EOF while parsing/);
    expect(r.header?.curElementCount).toBe(1502);
  });

  it('garbage pickle bytes', () => {
    const c = damaged();
    fs.writeFileSync(c.file('index_metadata.pickle'), Buffer.from('this is not a pickle at all'));
    onlyError(read(c), 'pickle.corrupt', rel('index_metadata.pickle'), /at byte \d+/);
  });

  it('pickle with an unknown opcode', () => {
    const c = damaged();
    const buf = fs.readFileSync(c.file('index_metadata.pickle'));
    buf[2] = 0xf0; // the opcode right after PROTO 3
    fs.writeFileSync(c.file('index_metadata.pickle'), buf);
    onlyError(read(c), 'pickle.corrupt', rel('index_metadata.pickle'), /0xf0 at byte 2: unknown opcode 0xf0/);
  });

  it('a pickle label whose element is marked deleted', () => {
    const c = damaged();
    const r0 = read(c);
    const internal = 0; // element 0's label must be live for this test to mean anything
    const level0 = fs.readFileSync(c.file('data_level0.bin'));
    const label = level0.readUInt32LE(internal * 204 + 196);
    expect([...r0.idToLabel.values()]).toContain(label);
    level0.writeUInt8(level0.readUInt8(internal * 204 + 2) | 1, internal * 204 + 2);
    fs.writeFileSync(c.file('data_level0.bin'), level0);
    // Chroma would load the index; the record behind that label has no vector, loudly.
    const r = read(c);
    expect(r.usable).toBe(true);
    expect([...r.damagedLabels]).toEqual([label]);
    expect(r.vectors.has(label)).toBe(false);
    expect(r.vectors.size).toBe(1348);
    const p = errors(r).find((e) => e.code === 'hnsw.missing-labels')!;
    expect(p.file).toBe(rel('data_level0.bin'));
    expect(p.message).toMatch(new RegExp(`label ${label} \\(".*"\\) is marked deleted`));
  });

  it('graph labels missing from the pickle are phantoms: ignored, reported as info', () => {
    const c = damaged();
    const r0 = read(c);
    const pickle = decodeIndexMetadata(readPickle(fs.readFileSync(c.file('index_metadata.pickle')), 'p'), 'p');
    // A pickle one persist behind the .bin files: the newest labels are not in it yet.
    const byLabel = [...pickle.idToLabel].sort((a, b) => a[1] - b[1]);
    const dropped = byLabel.slice(-2);
    const kept = new Map(byLabel.slice(0, -2));
    fs.writeFileSync(c.file('index_metadata.pickle'), rustPickle(kept, byLabel.at(-3)![1]));
    const r = read(c);
    expect(r.usable).toBe(true);
    expect(r.idToLabel.size).toBe(1347);
    expect(r.vectors.size).toBe(1347);
    expect(r.phantomLabels.sort((a, b) => a - b)).toEqual(dropped.map(([, l]) => l).sort((a, b) => a - b));
    expect(codes(r)).toEqual(['info:hnsw.phantom-labels']);
    expect(r.vectors.get(kept.values().next().value!)).toEqual(r0.vectors.get(kept.values().next().value!));
  });

  it('live labels the pickle handed out and dropped are ignored, with a warning (the file may be foreign)', () => {
    const c = damaged();
    const pickle = decodeIndexMetadata(readPickle(fs.readFileSync(c.file('index_metadata.pickle')), 'p'), 'p');
    const kept = new Map([...pickle.idToLabel].slice(2));
    fs.writeFileSync(c.file('index_metadata.pickle'), rustPickle(kept, pickle.totalElementsAdded));
    const r = read(c);
    expect(r.usable).toBe(true);
    expect(r.vectors.size).toBe(1347);
    expect(codes(r)).toEqual(['warning:hnsw.unmapped-labels']);
  });

  it('a pickle with an empty id_to_label means no checkpoint (the .bin files are ignored)', () => {
    const c = damaged();
    fs.writeFileSync(c.file('index_metadata.pickle'), rustPickle(new Map(), 0));
    fs.writeFileSync(c.file('data_level0.bin'), '');
    const r = read(c);
    expect(r.usable).toBe(false);
    expect(errors(r)).toEqual([]);
    expect(codes(r)).toContain('info:hnsw.no-checkpoint');
    expect(codes(r)).toContain('info:hnsw.truncated');
  });

  it('garbage data files without a pickle are only informative', () => {
    const c = damaged();
    fs.rmSync(c.file('index_metadata.pickle'));
    fs.writeFileSync(c.file('header.bin'), '');
    fs.writeFileSync(c.file('data_level0.bin'), 'junk');
    const r = read(c);
    expect(r.usable).toBe(false);
    expect(errors(r)).toEqual([]);
    expect(codes(r)).toEqual(['info:hnsw.no-checkpoint', 'info:hnsw.bad-header']);
  });

  it('dimensionality disagreeing with the header', () => {
    const c = damaged();
    const pickle = decodeIndexMetadata(readPickle(fs.readFileSync(c.file('index_metadata.pickle')), 'p'), 'p');
    fs.writeFileSync(c.file('index_metadata.pickle'), rustPickle(pickle.idToLabel, pickle.totalElementsAdded, { dimensionality: 8 }));
    onlyError(read(c), 'hnsw.dimension-mismatch', rel('index_metadata.pickle'), /dimensionality is 8 but header\.bin says 16/);
  });
});
