import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { chromaMigrations } from '../../src-main/engine/write/migration-files.js';
import { PersistentClient } from '../../src-main/index.js';
import { hashTree } from '../helpers/hash-tree.js';
import { referenceFixture } from '../helpers/paths.js';
import { copyOf, noErrors, sql } from '../helpers/folder-copies.js';

describe('folders of older eras are written in their own format', () => {
  it('Rust core 1.0–1.2 (no schema_str, no arrays): Rust-form config_json_str, integer seq ids, arrays refused', async () => {
    const dir = copyOf(join(referenceFixture('chroma-1.0.1-seed7'), 'data'));
    const client = new PersistentClient({ path: dir });
    try {
      const col = await client.createCollection({ name: 'written-by-us', metadata: { 'hnsw:space': 'cosine' }, embeddingFunction: null });
      expect(col.configuration.hnsw?.space).toBe('cosine');
      await col.add({ ids: ['a', 'b'], embeddings: [[1, 0, 0], [0, 1, 0]], metadatas: [{ n: 1 }, { n: 2.5 }], documents: ['first', 'second'] });
      await expect(col.add({ ids: ['c'], embeddings: [[0, 0, 1]], metadatas: [{ tags: ['x'] }] })).rejects.toThrow(/stores no array metadata/);
      await col.delete({ ids: ['b'] });
      expect((await col.query({ queryEmbeddings: [[1, 0.1, 0]], nResults: 5 })).ids).toEqual([['a']]);
      const tiny = await client.getCollection({ name: 'tiny' });
      expect(await tiny.count()).toBe(7); // what Chroma 1.0.1 counted (its cases.json)
    } finally {
      await client.close();
    }
    const [row] = sql(dir, "SELECT config_json_str AS c FROM collections WHERE name = 'written-by-us'");
    expect(JSON.parse(String(row!.c))).toEqual({
      vector_index: { hnsw: { space: 'cosine', ef_construction: 100, ef_search: 100, max_neighbors: 16, resize_factor: 1.2, sync_threshold: 1000 } },
      embedding_function: null,
    });
    expect(sql(dir, "SELECT name FROM pragma_table_info('collections') WHERE name = 'schema_str'")).toEqual([]);
    expect(sql(dir, 'SELECT DISTINCT typeof(seq_id) AS t FROM max_seq_id')).toEqual([{ t: 'integer' }]);
    expect(sql(dir, "SELECT metadata FROM embeddings_queue WHERE operation = 3 AND id = 'b'")).toEqual([{ metadata: '{}' }]);
    expect(noErrors(dir)).toEqual([]);
  });

  it('refuses eras it cannot write exactly, says why, and changes no byte', async () => {
    // A folder with the migrations of Chroma 0.4.6–0.4.14 (sysdb 1–3, metadb 1–3, queue 1).
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-era-')), 'old');
    mkdirSync(dir);
    const db = new Database(join(dir, 'chroma.sqlite3'));
    db.exec('CREATE TABLE migrations (dir TEXT NOT NULL, version INTEGER NOT NULL, filename TEXT NOT NULL, sql TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (dir, version))');
    for (const m of chromaMigrations().filter((x) => (x.dir === 'sysdb' ? x.version <= 3 : x.dir === 'metadb' ? x.version <= 3 : x.version === 1))) {
      db.exec(m.sql);
      db.prepare('INSERT INTO migrations VALUES (?, ?, ?, ?, ?)').run(m.dir, m.version, m.filename, m.sql, m.md5);
    }
    db.close();
    const before = hashTree(dir);
    const client = new PersistentClient({ path: dir });
    try {
      expect(await client.listCollections()).toEqual([]);
      await expect(client.createCollection({ name: 'nope', embeddingFunction: null })).rejects.toThrow(
        /can be read but not written: it was written by Chroma Python 0\.4\.6-0\.4\.14.*never migrates a folder silently/,
      );
    } finally {
      await client.close();
    }
    expect(hashTree(dir)).toEqual(before);
  });

  it('refuses a folder whose migration rows no Chroma release wrote', async () => {
    const dir = copyOf(join(referenceFixture('chroma-1.3.4-seed7'), 'data'));
    const db = new Database(join(dir, 'chroma.sqlite3'));
    db.prepare("UPDATE migrations SET hash = '00000000000000000000000000000000' WHERE dir = 'metadb' AND version = 6").run();
    db.close();
    const client = new PersistentClient({ path: dir });
    try {
      await expect((await client.getCollection({ name: 'tiny' })).delete({ ids: ['tiny-0'] })).rejects.toThrow(/does not match a Chroma release/);
      expect(await (await client.getCollection({ name: 'tiny' })).count()).toBe(5);
    } finally {
      await client.close();
    }
  });
});

describe('a folder another process has open is not written unless forced', () => {
  it('refuses, names the process, and writes with { force: true }', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-busy-')), 'data');
    const setup = new PersistentClient({ path: dir });
    await (await setup.createCollection({ name: 'busy', embeddingFunction: null })).add({ ids: ['a'], embeddings: [[1, 2]] });
    await setup.close();
    // Stands in for a Chroma server: a process holding chroma.sqlite3 open.
    const holder = spawn(process.execPath, ['-e', `require('fs').openSync(${JSON.stringify(join(dir, 'chroma.sqlite3'))}, 'r'); console.log('open'); setInterval(() => {}, 1000);`], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const client = new PersistentClient({ path: dir });
      try {
        const col = await client.getCollection({ name: 'busy' });
        expect(await col.count()).toBe(1);
        await expect(col.add({ ids: ['b'], embeddings: [[3, 4]] })).rejects.toThrow(new RegExp(`Another process has .* open: ${holder.pid} `));
      } finally {
        await client.close();
      }
      const forced = new PersistentClient({ path: dir, force: true });
      try {
        const col = await forced.getCollection({ name: 'busy' });
        await col.add({ ids: ['b'], embeddings: [[3, 4]] });
        expect(await col.count()).toBe(2);
      } finally {
        await forced.close();
      }
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('paths that are not a folder to create', () => {
  it('a pre-0.4 duckdb+parquet folder is refused, not turned into a new Chroma folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'chroma-inspector-era-')), 'legacy');
    mkdirSync(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'chroma-collections.parquet'), 'PAR1');
    const client = new PersistentClient({ path: dir });
    await expect(client.listCollections()).rejects.toThrow(/pre-0\.4 Chroma folder/);
    await client.close();
    expect(existsSync(join(dir, 'chroma.sqlite3'))).toBe(false);
  });
});
