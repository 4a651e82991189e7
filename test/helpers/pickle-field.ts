import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPickle } from '../../src-main/engine/hnsw/pickle-reader.js';
import { PickleObject, isPickleDict, type PickleValue } from '../../src-main/engine/hnsw/pickle-values.js';

/** One field of a segment folder's index_metadata.pickle (either form), read with the general decoder. */
export function pickleField(segmentDir: string, field: string): Map<PickleValue, PickleValue> {
  let v: PickleValue = readPickle(readFileSync(join(segmentDir, 'index_metadata.pickle')), 'index_metadata.pickle');
  if (v instanceof PickleObject) v = v.state ?? null;
  if (!isPickleDict(v)) throw new Error('index_metadata.pickle holds no dict');
  const out = v.get(field);
  if (!isPickleDict(out)) throw new Error(`index_metadata.pickle: ${field} is not a dict`);
  return out;
}
