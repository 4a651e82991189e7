// Records real Chroma's answers to the edge cases (edge-cases.mjs) through the chromadb client:
//
//   node test/compat/record-edge-cases.mjs [--out test/fixtures/reference/edge-cases-1.3.4.json] [--version 1.3.4]
//
// Also keeps the `schema_str` Chroma wrote for each collection, so a test without real Chroma can
// rebuild the same folder with PersistentClient and give it Chroma's schema.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLIENT_VERSION, DEFAULT_CHROMA_VERSION, installChroma } from '../reference-chroma/install.mjs';
import { startChroma } from '../reference-chroma/chroma-server.mjs';
import { httpClients, importChromadb } from '../reference-chroma/record-fixture.mjs';
import { EDGE_FORMAT, disabledIndexesSchema, runEdgeCases, setupEdgeCollections } from './edge-cases.mjs';

/** Fills `folder` with real Chroma `version` and records its answers; Chroma is stopped on return. */
export async function recordEdgeCases({ version = DEFAULT_CHROMA_VERSION, folder }) {
  installChroma(version);
  const chromadb = await importChromadb();
  const server = await startChroma(folder, { version });
  try {
    const { client } = httpClients(chromadb, server.port);
    await setupEdgeCollections({ client, schemaWithDisabledIndexes: () => disabledIndexesSchema(chromadb) });
    const cases = await runEdgeCases({ client });
    return { format: EDGE_FORMAT, chroma: version, client: CLIENT_VERSION, cases };
  } finally {
    await server.stop();
  }
}

/** `schema_str` of each collection of `folder`, by name (read with better-sqlite3, read-only). */
export function schemasOf(folder) {
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const db = new Database(join(folder, 'chroma.sqlite3'), { readonly: true });
  try {
    return Object.fromEntries(db.prepare('SELECT name, schema_str FROM collections ORDER BY name').all().map((r) => [r.name, r.schema_str]));
  } finally {
    db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const out = opt('--out');
  const work = mkdtempSync(join(tmpdir(), 'chroma-edges-'));
  const folder = join(work, 'data');
  const recorded = await recordEdgeCases({ version: opt('--version', DEFAULT_CHROMA_VERSION), folder });
  recorded.schemas = schemasOf(folder);
  const text = `${JSON.stringify(recorded, null, 1)}\n`;
  if (out) writeFileSync(resolve(out), text);
  else process.stdout.write(text);
  rmSync(work, { recursive: true, force: true });
}
