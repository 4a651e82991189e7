import type { HnswHeader } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';

/** header.bin = int32 persistence version + the 96-byte header of upstream hnswlib's saveIndex (docs/format.md §6.1). */
export const HNSW_HEADER_BYTES = 100;

/** Chroma's fork refuses anything else ("wrong persistence version"), so we do too. */
const SUPPORTED_PERSISTENCE_VERSION = 1;

/** Marks an empty index: hnswlib writes -1 / 0xFFFFFFFF before the first insert. */
const NO_ENTERPOINT = 0xffffffff;

/**
 * Parses and validates header.bin. Validation is strict on everything later reads rely on
 * (offsets, sizes): a garbage header must fail here rather than make us read garbage vectors.
 */
export function parseHnswHeader(buf: Buffer, file: string): HnswHeader {
  const fail = (problem: string): never => {
    throw new InspectorError('CORRUPT_HNSW', `${file}: ${problem}`, { file });
  };

  if (buf.length !== HNSW_HEADER_BYTES) {
    fail(`header is ${buf.length} bytes, expected ${HNSW_HEADER_BYTES}`);
  }

  // u64 fields come from a size_t; anything past 2^53 cannot be a real size and is garbage.
  const u64 = (offset: number, name: string): number => {
    const v = buf.readBigUInt64LE(offset);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${name} is ${v}, which is not a plausible value`);
    return Number(v);
  };

  const persistenceVersion = buf.readInt32LE(0);
  if (persistenceVersion !== SUPPORTED_PERSISTENCE_VERSION) {
    fail(`persistence version is ${persistenceVersion}, expected ${SUPPORTED_PERSISTENCE_VERSION}`);
  }

  const header: HnswHeader = {
    persistenceVersion,
    offsetLevel0: u64(4, 'offsetLevel0'),
    maxElements: u64(12, 'max_elements'),
    curElementCount: u64(20, 'cur_element_count'),
    sizeDataPerElement: u64(28, 'size_data_per_element'),
    labelOffset: u64(36, 'label_offset'),
    offsetData: u64(44, 'offsetData'),
    maxLevel: buf.readInt32LE(52),
    enterpointNode: buf.readUInt32LE(56),
    maxM: u64(60, 'maxM'),
    maxM0: u64(68, 'maxM0'),
    M: u64(76, 'M'),
    mult: buf.readDoubleLE(84),
    efConstruction: u64(92, 'ef_construction'),
    dim: 0,
  };

  if (header.offsetLevel0 !== 0) fail(`offsetLevel0 is ${header.offsetLevel0}, expected 0`);
  if (header.maxM0 === 0 || header.maxM === 0) fail(`maxM ${header.maxM} / maxM0 ${header.maxM0} must be positive`);
  if (header.offsetData !== 4 + 4 * header.maxM0) {
    fail(`offsetData is ${header.offsetData}, expected 4 + 4·maxM0 = ${4 + 4 * header.maxM0}`);
  }
  if (header.labelOffset <= header.offsetData || (header.labelOffset - header.offsetData) % 4 !== 0) {
    fail(
      `label_offset ${header.labelOffset} is inconsistent with offsetData ${header.offsetData} ` +
        '(the vector between them must be a positive multiple of 4 bytes)',
    );
  }
  if (header.sizeDataPerElement !== header.labelOffset + 8) {
    fail(
      `size_data_per_element is ${header.sizeDataPerElement}, expected label_offset + 8 = ${header.labelOffset + 8}`,
    );
  }
  if (header.curElementCount > header.maxElements) {
    fail(`cur_element_count ${header.curElementCount} exceeds max_elements ${header.maxElements}`);
  }
  if (header.curElementCount === 0) {
    // An empty index still has a well-formed header; the entry point is the "none" marker.
    if (header.maxLevel !== -1 && header.maxLevel !== 0) fail(`maxlevel is ${header.maxLevel} in an empty index`);
  } else {
    if (header.maxLevel < 0) fail(`maxlevel is ${header.maxLevel} although the index has elements`);
    if (header.enterpointNode === NO_ENTERPOINT || header.enterpointNode >= header.curElementCount) {
      fail(`enterpoint_node ${header.enterpointNode} is outside 0…${header.curElementCount - 1}`);
    }
  }

  header.dim = (header.labelOffset - header.offsetData) / 4;
  return header;
}

/** Bytes one link-list block takes per upper level: u32 count + maxM u32 ids (docs/format.md §6.4). */
export function linkListBlockBytes(header: HnswHeader): number {
  return 4 + 4 * header.maxM;
}
