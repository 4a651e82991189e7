import type { Metadata, MetadataValue } from '../../../shared/models.js';
import { toPlain, type TypedMetadata } from '../util/typed-value.js';

/**
 * User-visible metadata as Chroma returns it: `chroma:*` keys removed, and null when nothing is
 * left (docs/format.md §7.1).
 */
export function visibleMetadata(md: TypedMetadata | null): Metadata | null {
  if (!md || md.size === 0) return null;
  const out: Record<string, MetadataValue> = {};
  let n = 0;
  for (const [k, v] of md) {
    if (k.startsWith('chroma:')) continue;
    out[k] = toPlain(v);
    n++;
  }
  return n === 0 ? null : out;
}

export const toNumberArray = (v: Float32Array): number[] => Array.from(v);
