import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error -- plain JS shared with the node scripts
import { seededRandom } from '../reference-chroma/seeded-random.mjs';

/**
 * Damaged versions of one vector segment's files, for the tests that check damage is never
 * silent (corrupted-copies.test.ts) and that every path through the checkpoint reader sees the
 * same damage (level0-prescan.test.ts). Each mutant is one file's new bytes.
 */

export interface Mutant {
  name: string;
  file: string;
  bytes: Buffer;
  /**
   * A vector component of an l2/ip index changed into another finite, ordinary float. Nothing in
   * the folder can tell (no norm, no checksum, and no WAL row left for the record): Chroma reads
   * the same bytes and gives the same changed answer. Counted and printed, never hidden.
   */
  undetectable?: boolean;
}

export interface Layout {
  cur: number;
  size: number;
  offsetData: number;
  labelOffset: number;
}

export function layoutOf(header: Buffer): Layout {
  return {
    cur: Number(header.readBigUInt64LE(20)),
    size: Number(header.readBigUInt64LE(28)),
    labelOffset: Number(header.readBigUInt64LE(36)),
    offsetData: Number(header.readBigUInt64LE(44)),
  };
}

export function mutants(segDir: string, seed: number, donorSegDir: string | null, space: string): Mutant[] {
  const rnd = seededRandom(seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const read = (f: string) => readFileSync(join(segDir, f));
  const flip = (file: string, offset: number, what: string): Mutant => {
    const bytes = Buffer.from(read(file));
    bytes[offset] = bytes[offset]! ^ (1 + int(255));
    return { name: `${file} flip ${what} @${offset}`, file, bytes };
  };
  const cut = (file: string, length: number): Mutant => ({ name: `${file} truncated to ${length}`, file, bytes: read(file).subarray(0, length) });
  const header = read('header.bin');
  const L = layoutOf(header);
  const out: Mutant[] = [];

  // header.bin: version, capacity, count, element size, label offset, maxlevel, entry point, M, mult, ef_construction.
  for (const off of [0, 12, 20, 28, 56, 84]) out.push(flip('header.bin', off + int(2), 'field'));
  out.push(cut('header.bin', 60));

  // data_level0.bin: vectors, labels, level-0 link counts and neighbour ids of random elements.
  const element = () => int(L.cur) * L.size;
  for (let i = 0; i < 3; i++) {
    const at = element() + L.offsetData + int(L.labelOffset - L.offsetData);
    const m = flip('data_level0.bin', at, 'vector');
    const start = at - (((at % L.size) - L.offsetData) % 4); // the float holding the flipped byte
    const after = Math.abs(m.bytes.readFloatLE(start));
    m.undetectable = space !== 'cosine' && Number.isFinite(after) && after < 1e18 && (after === 0 || after > 1e-35);
    out.push(m);
  }
  for (let i = 0; i < 2; i++) out.push(flip('data_level0.bin', element() + L.labelOffset + int(3), 'label'));
  for (let i = 0; i < 2; i++) out.push(flip('data_level0.bin', element() + int(2), 'link count'));
  out.push(flip('data_level0.bin', element() + 4 + int(L.offsetData - 4), 'neighbour'));
  out.push(cut('data_level0.bin', Math.floor((L.cur * L.size) / 2)));
  out.push(cut('data_level0.bin', L.cur * L.size - 1 - int(L.size)));

  // link_lists.bin, length.bin, index_metadata.pickle.
  const links = read('link_lists.bin');
  out.push(flip('link_lists.bin', int(links.length), 'byte'));
  out.push(cut('link_lists.bin', int(links.length)));
  out.push(flip('length.bin', int(L.cur) * 4 + int(4), 'norm'));
  out.push(cut('length.bin', int(L.cur * 4)));
  const pickle = read('index_metadata.pickle');
  for (let i = 0; i < 2; i++) out.push(flip('index_metadata.pickle', int(pickle.length), 'byte'));
  out.push(cut('index_metadata.pickle', int(pickle.length)));

  // A file with the same layout but other vectors: each element's vector moved to its neighbour
  // (labels and links untouched), as a data_level0.bin copied from a sibling index would look.
  const level0 = read('data_level0.bin');
  const shifted = Buffer.from(level0);
  const vecBytes = L.labelOffset - L.offsetData;
  for (let i = 0; i < L.cur; i++) {
    const from = ((i + 1) % L.cur) * L.size + L.offsetData;
    level0.copy(shifted, i * L.size + L.offsetData, from, from + vecBytes);
  }
  out.push({ name: 'data_level0.bin with vectors shifted by one element', file: 'data_level0.bin', bytes: shifted });
  if (donorSegDir) {
    // The same collection written by another Chroma into another folder.
    out.push({ name: 'data_level0.bin from another folder', file: 'data_level0.bin', bytes: readFileSync(join(donorSegDir, 'data_level0.bin')) });
    out.push({ name: 'index_metadata.pickle from another folder', file: 'index_metadata.pickle', bytes: readFileSync(join(donorSegDir, 'index_metadata.pickle')) });
  }
  return out;
}

