import type { PickleSummary } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { PickleObject, isPickleDict, pickleTypeName, type PickleDict, type PickleValue } from './pickle-values.js';

/** The class Python 0.4–0.6 pickles; Rust reads it too but writes a plain dict (docs/format.md §6.7). */
export const PERSISTENT_DATA_CLASS = 'chromadb.segment.impl.vector.local_persistent_hnsw.PersistentData';

/** Label → user id: a Map from the general decoder, arrays from the Rust-form fast path. */
export interface LabelLookup extends Iterable<[number, string]> {
  readonly size: number;
  has(label: number): boolean;
  get(label: number): string | undefined;
}

export interface IndexMetadata {
  summary: PickleSummary;
  /** Live user ids → HNSW labels. The authority for which checkpoint elements are visible. */
  idToLabel: Map<string, number>;
  labelToId: LabelLookup;
  /** Legacy vector max_seq_id (0.4.x); may be stale, only for when the table row is absent. */
  maxSeqId: number | null;
  dimensionality: number | null;
  /** Highest label ever assigned; the next new label is this + 1. */
  totalElementsAdded: number;
}

/**
 * Interprets a decoded index_metadata.pickle. Any shape Chroma could not have written is a
 * CORRUPT_PICKLE, because a checkpoint whose maps we cannot trust must not be used at all.
 */
export function decodeIndexMetadata(value: PickleValue, file: string): IndexMetadata & { labelToId: Map<number, string> } {
  const fail = (problem: string): never => {
    throw new InspectorError('CORRUPT_PICKLE', `${file}: ${problem}`, { file });
  };

  let form: PickleSummary['form'];
  let className: string | null = null;
  let fields: PickleDict;
  if (value instanceof PickleObject) {
    className = value.className;
    form = className === PERSISTENT_DATA_CLASS ? 'python-class' : 'other';
    if (value.state === undefined) fail(`${className} object has no state (no BUILD opcode)`);
    if (!isPickleDict(value.state)) fail(`${className} state is a ${pickleTypeName(value.state)}, expected a dict`);
    fields = value.state as PickleDict;
  } else if (isPickleDict(value)) {
    form = 'rust-dict';
    fields = value;
  } else {
    return fail(`top-level value is a ${pickleTypeName(value)}, expected a dict or a PersistentData object`);
  }

  const field = (name: string): PickleValue | undefined => fields.get(name);

  /** Non-negative integer that fits a JS number; Chroma's labels and counters all do. */
  const count = (v: PickleValue | undefined, what: string): number => {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    if (typeof v === 'bigint') return fail(`${what} is ${v}, beyond the supported integer range`);
    return fail(`${what} is ${describe(v)}, expected a non-negative integer`);
  };
  const optionalCount = (name: string): number | null => {
    const v = field(name);
    return v === undefined || v === null ? null : count(v, name);
  };
  const map = (name: string, required: boolean): PickleDict | null => {
    const v = field(name);
    if (v === undefined || v === null) return required ? fail(`missing ${name}`) : null;
    if (!isPickleDict(v)) fail(`${name} is a ${pickleTypeName(v)}, expected a dict`);
    return v as PickleDict;
  };

  const idToLabelRaw = map('id_to_label', true)!;
  const labelToIdRaw = map('label_to_id', false);
  const idToSeqIdRaw = map('id_to_seq_id', false);

  const idToLabel = new Map<string, number>();
  const labelToId = new Map<number, string>();
  for (const [k, v] of idToLabelRaw) {
    if (typeof k !== 'string') fail(`id_to_label has a key of type ${pickleTypeName(k)}, expected str`);
    const id = k as string;
    const label = typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : count(v, `id_to_label[${JSON.stringify(id)}]`);
    const other = labelToId.get(label);
    if (other !== undefined) fail(`ids ${JSON.stringify(other)} and ${JSON.stringify(id)} share label ${label}`);
    labelToId.set(label, id);
    idToLabel.set(id, label);
  }
  // Both maps are rewritten together on every persist; disagreement means a damaged file.
  if (labelToIdRaw !== null) {
    if (labelToIdRaw.size !== idToLabel.size) {
      fail(`id_to_label has ${idToLabel.size} entries but label_to_id has ${labelToIdRaw.size}`);
    }
    for (const [k, v] of labelToIdRaw) {
      const label = typeof k === 'number' && Number.isSafeInteger(k) && k >= 0 ? k : count(k, 'a label_to_id key');
      if (typeof v !== 'string') fail(`label_to_id[${label}] is ${describe(v)}, expected str`);
      const back = labelToId.get(label);
      if (back === undefined) fail(`label_to_id maps ${label} to ${describe(v)} but no id has label ${label} in id_to_label`);
      if (back !== v) fail(`id_to_label maps ${JSON.stringify(back)} to ${label} but label_to_id maps ${label} to ${describe(v)}`);
    }
  }

  let maxLabel = 0;
  for (const label of labelToId.keys()) if (label > maxLabel) maxLabel = label;
  const totalRaw = optionalCount('total_elements_added');
  if (totalRaw !== null && totalRaw < maxLabel) {
    fail(`total_elements_added is ${totalRaw} but label ${maxLabel} is in use`);
  }
  const totalElementsAdded = totalRaw ?? maxLabel;
  const dimensionality = optionalCount('dimensionality');
  const maxSeqId = optionalCount('max_seq_id');

  const summary: PickleSummary = {
    form,
    className,
    dimensionality,
    totalElementsAdded: totalRaw,
    maxSeqId,
    idToLabelCount: idToLabel.size,
    labelToIdCount: labelToIdRaw === null ? 0 : labelToId.size,
    idToSeqIdCount: idToSeqIdRaw?.size ?? 0,
  };
  return { summary, idToLabel, labelToId, maxSeqId, dimensionality, totalElementsAdded };
}

function describe(v: PickleValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
    return `${pickleTypeName(v)} ${String(v)}`;
  }
  return `a ${pickleTypeName(v)}`;
}
