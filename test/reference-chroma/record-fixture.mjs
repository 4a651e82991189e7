// Records a fixture with real Chroma: a fresh folder filled by our workload (workload.mjs) through
// the official chromadb client, and Chroma's own answers to the workload's cases.
//
//   node test/reference-chroma/record-fixture.mjs --out DIR [--version 1.3.4] [--seed 7] [--no-arrays]
//
// Leaves DIR/data (the folder Chroma wrote) and DIR/cases.json. Installs what it needs first.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLIENT_VERSION, DEFAULT_CHROMA_VERSION, installChroma, installClient } from './install.mjs';
import { startChroma } from './chroma-server.mjs';
import { WORKLOAD_FORMAT, runWorkload } from './workload.mjs';

/** The chromadb client module from the cache (it is not a dependency of the project). */
export async function importChromadb() {
  const dir = installClient();
  const entry = createRequire(join(dir, 'package.json')).resolve('chromadb');
  return import(pathToFileURL(entry).href);
}

/** Factories for runWorkload (and the other client-driven scripts) over a Chroma server. */
export function httpClients(chromadb, port) {
  return {
    client: (tenant, database) => new chromadb.ChromaClient({ host: '127.0.0.1', port, ...(tenant ? { tenant, database } : {}) }),
    admin: () => new chromadb.AdminClient({ host: '127.0.0.1', port }),
  };
}

/** Runs the workload against real Chroma `version` on a fresh folder; returns its cases and the folder. */
export async function recordWithChroma({ version = DEFAULT_CHROMA_VERSION, seed = 7, arrays = true, folder }) {
  installChroma(version);
  const chromadb = await importChromadb();
  const server = await startChroma(folder, { version });
  try {
    const cases = await runWorkload({ ...httpClients(chromadb, server.port), seed, arrays });
    return { format: WORKLOAD_FORMAT, chroma: version, client: CLIENT_VERSION, seed, arrays, cases };
  } finally {
    await server.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const out = opt('--out');
  if (!out) {
    console.error('usage: record-fixture.mjs --out DIR [--version V] [--seed N] [--no-arrays]');
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'chroma-record-'));
  const recorded = await recordWithChroma({
    version: opt('--version', DEFAULT_CHROMA_VERSION),
    seed: Number(opt('--seed', '7')),
    arrays: !args.includes('--no-arrays'),
    folder: join(work, 'data'),
  });
  rmSync(resolve(out), { recursive: true, force: true });
  mkdirSync(resolve(out), { recursive: true });
  cpSync(join(work, 'data'), join(resolve(out), 'data'), { recursive: true });
  writeFileSync(join(resolve(out), 'cases.json'), `${JSON.stringify(recorded, null, 1)}\n`);
  rmSync(work, { recursive: true, force: true });
  const errors = recorded.cases.filter((c) => c.error !== undefined).length;
  console.log(`chroma ${recorded.chroma}, seed ${recorded.seed}: ${recorded.cases.length} cases (${errors} errors) -> ${out}`);
}
