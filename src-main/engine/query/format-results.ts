import type { Metadata, MetadataValue } from '../../../shared/models.js';
import { toPlain, type TypedMetadata } from '../util/typed-value.js';
import { shortestFloat32, shortestFloat32Array } from '../util/float32-text.js';

/**
 * User-visible metadata as Chroma returns it: `chroma:*` keys removed, and null when nothing is
 * left and the record has no URI (docs/format.md §7.1).
 */
export function visibleMetadata(md: TypedMetadata | null, uri: string | null = null): Metadata | null {
  const out: Record<string, MetadataValue> = {};
  let n = 0;
  for (const [k, v] of md ?? []) {
    if (k.startsWith('chroma:')) continue;
    out[k] = toPlain(v);
    n++;
  }
  // Chroma 1.x keeps the URI in the metadata map and takes it out afterwards: a record whose only
  // metadata is a URI comes back {}, one with neither (only a document, or nothing) null.
  return n > 0 || uri !== null ? out : null;
}

/** A stored vector as Chroma prints it: each f32 in its shortest round-trip decimal. */
export const toNumberArray = (v: Float32Array): number[] => shortestFloat32Array(v);

/** A distance as Chroma prints it: an f32, in its shortest round-trip decimal. */
export const toDistance = (d: number): number => shortestFloat32(d);
