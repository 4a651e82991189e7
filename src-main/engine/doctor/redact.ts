import type { DoctorReport } from '../../../shared/models.js';
import type { Catalog } from '../catalog/read-catalog.js';
import { DEFAULT_DATABASE, DEFAULT_TENANT } from '../catalog/read-catalog.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Strings shorter than this are not searched for in free text (they would match ordinary words). */
const MIN_SCRUB = 8;

/** Stable aliases: the same value always gets the same `prefix-N`. */
class Aliases {
  private readonly map = new Map<string, string>();
  constructor(private readonly prefix: string) {}
  of(value: string): string {
    let a = this.map.get(value);
    if (!a) this.map.set(value, (a = `${this.prefix}-${this.map.size + 1}`));
    return a;
  }
  entries(): [string, string][] {
    return [...this.map];
  }
}

/**
 * The report for sharing (an issue, a chat): no record ids, no documents or other excerpts, no
 * paths, none of the engine's verbatim notes (they quote ids and files); collections, tenants,
 * databases and segments get neutral names (`collection-1`, `segment-2`), Chroma's own
 * `default_tenant` and `default_database` are kept. Every figure stays. As a last guard, any
 * remaining occurrence of a replaced value in free text is replaced too.
 */
export function redactReport(report: DoctorReport, catalog: Catalog): DoctorReport {
  const collections = new Aliases('collection');
  const segments = new Aliases('segment');
  const tenants = new Aliases('tenant');
  const databases = new Aliases('database');
  for (const c of catalog.collections) collections.of(c.id.toLowerCase());
  const collectionAlias = (id: string) => collections.of(id.toLowerCase());
  const tenant = (t: string) => (t === DEFAULT_TENANT ? t : tenants.of(t));
  const database = (d: string) => (d === DEFAULT_DATABASE ? d : databases.of(d));
  const segment = (s: string) => segments.of(s);
  const collectionIds = new Set(catalog.collections.map((c) => c.id.toLowerCase()));
  const tenantIds = new Set(catalog.tenants.map((t) => t.toLowerCase()));
  /** A UUID in free text: a collection's id, a tenant named by a UUID, or else a segment. */
  const uuid = (u: string) => {
    const l = u.toLowerCase();
    return collectionIds.has(l) ? collections.of(l) : tenantIds.has(l) ? tenant(l) : segment(l);
  };
  const file = (f: string) => f.replace(UUID, uuid);
  const secret = new Set<string>();
  if (report.folder) secret.add(report.folder);
  for (const c of catalog.collections) {
    secret.add(c.name).add(c.id);
    for (const s of c.segments) secret.add(s.id);
  }

  const out: DoctorReport = structuredClone(report);
  out.folder = null;
  out.private = true;
  for (const c of out.collections) {
    c.name = c.id = collectionAlias(c.id);
    c.tenant = tenant(c.tenant);
    c.database = database(c.database);
  }
  for (const f of out.findings) {
    for (const id of f.evidence.ids) secret.add(id);
    for (const s of f.evidence.samples) {
      if (s.id) secret.add(s.id);
      for (const v of Object.values(s.fields)) if (v) secret.add(v.replace(/…$/, ''));
    }
    f.evidence.ids = [];
    f.evidence.samples = [];
    f.evidence.notes = [];
    f.evidence.segments = f.evidence.segments.map((s) => segment(s.toLowerCase()));
    f.evidence.files = f.evidence.files.map(file);
    if (f.collection) f.collection = { id: collectionAlias(f.collection.id), name: collectionAlias(f.collection.id) };
    if (f.tenant) f.tenant = tenant(f.tenant);
    if (f.database) f.database = database(f.database);
  }
  for (const c of out.storage.collections) {
    c.name = c.collectionId = collectionAlias(c.collectionId);
    c.tenant = tenant(c.tenant);
    c.database = database(c.database);
    c.hnswFiles = c.hnswFiles.map((h) => ({ ...h, file: file(h.file) }));
  }
  for (const [value] of [...tenants.entries(), ...databases.entries()]) secret.add(value);

  const replacements = [...secret].filter((s) => s.length >= MIN_SCRUB).sort((a, b) => b.length - a.length);
  const scrub = (text: string): string => {
    let t = text.replace(UUID, uuid);
    for (const s of replacements) if (t.includes(s)) t = t.split(s).join('[private]');
    return t;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(out) as DoctorReport;
}
