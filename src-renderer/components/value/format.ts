import type { MetadataScalar, MetadataValue } from '../../../shared/models.js';

export type ValueKind = 'string' | 'int' | 'float' | 'bool' | 'null' | 'array';

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

export const formatCount = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

/**
 * The kind of a scalar as Chroma typed it. JSON erases int vs float for integral numbers, so the
 * key's declared types (from `metadataKeys`) decide when they are unambiguous.
 */
export function scalarKind(value: MetadataScalar | null | undefined, declared?: readonly string[]): ValueKind {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (!Number.isInteger(value)) return 'float';
  if (declared?.includes('float') && !declared.includes('int')) return 'float';
  return 'int';
}

export function valueKind(value: MetadataValue | null | undefined, declared?: readonly string[]): ValueKind {
  return Array.isArray(value) ? 'array' : scalarKind(value, declared);
}

/** Floats always show a decimal point (`3.0`), so `3` (int) and `3.0` (float) never look alike. */
export function formatScalar(value: MetadataScalar | null | undefined, kind: ValueKind = scalarKind(value)): string {
  if (value === null || value === undefined) return 'null';
  if (kind === 'float' && typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    const s = String(value);
    return /[.eE]/.test(s) ? s : `${s}.0`;
  }
  if (kind === 'string') return String(value);
  return String(value);
}

export function formatValue(value: MetadataValue | null | undefined, declared?: readonly string[]): string {
  if (Array.isArray(value)) {
    const kinds = value.map((v) => scalarKind(v, declared));
    return `[${value.map((v, i) => (typeof v === 'string' ? JSON.stringify(v) : formatScalar(v, kinds[i]))).join(', ')}]`;
  }
  return formatScalar(value, scalarKind(value, declared));
}

/** `[0.0123, -0.4410, …] 384d` */
export function formatVectorPreview(vector: readonly number[] | null | undefined, dimension?: number | null, take = 4): string {
  if (!vector || vector.length === 0) return dimension ? `${dimension}d` : '—';
  const head = vector.slice(0, take).map((x) => fmtComponent(x));
  const dim = dimension ?? vector.length;
  return `[${head.join(', ')}${dim > take ? ', …' : ''}] ${dim}d`;
}

export function fmtComponent(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(2) : x.toFixed(4);
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.includes('T') || iso.endsWith('Z') ? iso : `${iso.replace(' ', 'T')}Z`);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
