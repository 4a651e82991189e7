import Database from 'better-sqlite3';
import { join } from 'node:path';

/**
 * What the copy suites put into real Chroma and read back independently of the engine: an
 * `edge` collection written by Chroma itself from raw JSON (so `2.0` reaches it as a float, as
 * the official Python client sends it), and plain SQL over chroma.sqlite3.
 */

/** Records with every metadata type a copy must keep: float 2.0, ints (one past 2^53), bools, strings, unicode, null documents, a uri. */
export function edgeAddBody(arrays: boolean): string {
  const records: [string, string, string | null, string | null, string][] = [
    ['e-float', '[1.5,0.25,-2.0]', '"float two"', null, '{"f":2.0,"neg":-0.5,"tiny":1e-7,"whole":-3.0}'],
    ['e-int', '[0.1,0.2,0.3]', '"int two"', null, '{"i":2,"neg":-7,"zero":0}'],
    ['e-bool', '[0.3,0.1,0.2]', '"bools"', null, '{"t":true,"f":false}'],
    ['e-str', '[2.0,1.0,0.5]', '"strings"', null, '{"s":"2.0","empty":""}'],
    ['e-null-doc', '[0.7,0.7,0.7]', null, null, '{"k":"no document"}'],
    ['e-unicode', '[-0.1,0.9,0.33]', '"naïve 日本語 emoji🙂"', null, '{"ü":"日本語 🙂","one":1.0,"n":1}'],
    ['e-uri', '[0.5,-0.5,0.125]', '"with uri"', '"s3://bucket/key"', '{"u":1}'],
    ['e-big', '[3.0,2.0,1.0]', '"big"', null, '{"big":9007199254740993,"max":9223372036854775807}'],
    ['e-none', '[0.01,0.02,0.03]', '""', null, 'null'],
  ];
  if (arrays) records.push(['e-arrays', '[0.2,0.4,0.6]', '"lists"', null, '{"tags":["a","ü"],"nums":[1.0,2.5],"ints":[1,2],"flags":[true,false]}']);
  const list = (i: number) => `[${records.map((r) => r[i] ?? 'null').join(',')}]`;
  return `{"ids":[${records.map((r) => JSON.stringify(r[0])).join(',')}],"embeddings":${list(1)},"documents":${list(2)},"uris":${list(3)},"metadatas":${list(4)}}`;
}

async function post(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Creates `edge` (l2, collection metadata with a float 2.0) on a real Chroma server and adds the edge records. */
export async function addEdgeCollection(server: string, arrays: boolean): Promise<void> {
  const base = `${server}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const created = (await post(base, '{"name":"edge","metadata":{"owner":"edge","ratio":2.0,"n":3},"configuration":{"hnsw":{"space":"l2"}}}')) as { id: string };
  await post(`${base}/${created.id}/add`, edgeAddBody(arrays));
}

export interface Scope {
  tenant: string;
  database: string;
}

const rowsOf = (dir: string, sql: string, params: unknown[]) => {
  const db = new Database(join(dir, 'chroma.sqlite3'), { readonly: true, fileMustExist: true });
  try {
    db.defaultSafeIntegers(true);
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
};

const hasTable = (dir: string, table: string) => rowsOf(dir, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).length > 0;

const OF_COLLECTION = `JOIN embeddings e ON e.id = m.id JOIN segments s ON s.id = e.segment_id JOIN collections c ON c.id = s.collection
  JOIN databases d ON d.id = c.database_id WHERE c.name = ? AND d.tenant_id = ? AND d.name = ?`;

/** Each value a column of its own: which column holds it is the type Chroma stores. */
const cell = (v: unknown) => (v === null ? '-' : typeof v === 'bigint' ? `int:${v}` : typeof v === 'number' ? `real:${v}` : `text:${String(v)}`);

/** Every metadata row of a collection (documents and uris included) as `id|key|string|int|float|bool`, sorted. */
export function metadataRows(dir: string, name: string, scope: Scope): string[] {
  const rows = rowsOf(dir, `SELECT e.embedding_id AS id, m.key, m.string_value AS s, m.int_value AS i, m.float_value AS f, m.bool_value AS b FROM embedding_metadata m ${OF_COLLECTION}`, [
    name,
    scope.tenant,
    scope.database,
  ]);
  return rows.map((r) => [r.id, r.key, cell(r.s), cell(r.i), cell(r.f), cell(r.b)].join('|')).sort();
}

/** List metadata as `id|key|[values in stored order]`, sorted; [] for a folder without the table. */
export function arrayRows(dir: string, name: string, scope: Scope): string[] {
  if (!hasTable(dir, 'embedding_metadata_array')) return [];
  const rows = rowsOf(
    dir,
    `SELECT e.embedding_id AS id, m.key, m.string_value AS s, m.int_value AS i, m.float_value AS f, m.bool_value AS b FROM embedding_metadata_array m ${OF_COLLECTION} ORDER BY m.rowid`,
    [name, scope.tenant, scope.database],
  );
  const lists = new Map<string, string[]>();
  for (const r of rows) {
    const key = `${String(r.id)}|${String(r.key)}`;
    if (!lists.has(key)) lists.set(key, []);
    lists.get(key)!.push([cell(r.s), cell(r.i), cell(r.f), cell(r.b)].join(','));
  }
  return [...lists].map(([k, v]) => `${k}|[${v.join(' ')}]`).sort();
}

/** The collections of a scope, by name. */
export function collectionNames(dir: string, scope: Scope): string[] {
  return rowsOf(dir, 'SELECT c.name FROM collections c JOIN databases d ON d.id = c.database_id WHERE d.tenant_id = ? AND d.name = ? ORDER BY c.name', [scope.tenant, scope.database]).map(
    (r) => String(r.name),
  );
}

/** Collection metadata as `key|string|int|float|bool`, sorted. */
export function collectionMetadataRows(dir: string, name: string, scope: Scope): string[] {
  const rows = rowsOf(
    dir,
    `SELECT m.key, m.str_value AS s, m.int_value AS i, m.float_value AS f, m.bool_value AS b FROM collection_metadata m JOIN collections c ON c.id = m.collection_id
     JOIN databases d ON d.id = c.database_id WHERE c.name = ? AND d.tenant_id = ? AND d.name = ?`,
    [name, scope.tenant, scope.database],
  );
  return rows.map((r) => [r.key, cell(r.s), cell(r.i), cell(r.f), cell(r.b)].join('|')).sort();
}
