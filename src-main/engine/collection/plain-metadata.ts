import type { Metadata } from '../../../shared/models.js';
import { toPlain, type TypedMetadata } from '../util/typed-value.js';

/** Typed metadata → the JSON object Chroma's clients return; empty → null, as Chroma does. */
export function typedMetadataToPlain(md: TypedMetadata): Metadata | null {
  if (md.size === 0) return null;
  const out: Metadata = {};
  for (const [k, v] of md) out[k] = toPlain(v);
  return out;
}
