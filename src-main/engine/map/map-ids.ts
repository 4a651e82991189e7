import { InspectorError } from '../../../shared/errors.js';
import type { CollectionReader } from '../collection/collection-reader.js';

/**
 * Record ids by map point and back, for a map sent without its ids (a million ids are ~20 MB of
 * JSON; the view needs the few under the cursor, in a lasso, or next to a clicked point).
 * `labels` are the map's points in order (mapLabels, umapLabels).
 */
export function idsOfPoints(reader: CollectionReader, labels: readonly number[], points: readonly number[]): string[] {
  const state = reader.vectors();
  return points.map((p) => {
    const label = labels[p];
    if (label === undefined) throw new InspectorError('INVALID_ARGUMENT', `point ${p} is not on the map: it has ${labels.length} points (0 … ${labels.length - 1})`);
    return state.idOf(label)!;
  });
}

/** The point of each id on the map, or null when the record is not drawn (outside a sample, or deleted). */
export function pointsOfIds(reader: CollectionReader, labels: readonly number[], ids: readonly string[]): (number | null)[] {
  const idToLabel = reader.vectors().idToLabel;
  // One pass over the map's points looking for a few labels: no index of every point per call.
  const wanted = new Map<number, number>();
  for (const id of ids) {
    const label = idToLabel.get(id);
    if (label !== undefined) wanted.set(label, -1);
  }
  let missing = wanted.size;
  for (let p = 0; p < labels.length && missing > 0; p++) {
    if (wanted.get(labels[p]!) === -1) {
      wanted.set(labels[p]!, p);
      missing--;
    }
  }
  return ids.map((id) => {
    const label = idToLabel.get(id);
    const p = label === undefined ? undefined : wanted.get(label);
    return p === undefined || p < 0 ? null : p;
  });
}
