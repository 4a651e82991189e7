import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/index.js';
import { corpusSuite, hasRealWorld, realWorldDir } from '../helpers/paths.js';
import { copyOf, noErrors, sql } from '../helpers/folder-copies.js';
import { pickleField } from '../helpers/pickle-field.js';

// Writing in the Python 0.5.6–0.6.3 format can only be checked on a folder Python Chroma wrote:
// no such folder can be made here (only Chroma's Rust core is on npm), and the real-world one
// carries no licence, so this lives in the opt-in corpus suite (test/write/eras.test.ts has the rest).
describe.skipIf(!hasRealWorld)(corpusSuite('writing a Python-era folder in its own format'), () => {
  const pythonEra = join(realWorldDir, 'ironhack-labs-lab-langchain-med-chroma_store');
  it('Python 0.5.6–0.6.3: BLOB seq ids, Python WAL JSON, hnsw:* in segment metadata, Python config', async () => {
    const dir = copyOf(pythonEra);
    const client = new PersistentClient({ path: dir });
    try {
      const [existing] = await client.listCollections();
      const dim = (await existing!.get({ limit: 1, include: ['embeddings'] })).embeddings[0]!.length;
      const v = (k: number) => Array.from({ length: dim }, (_, i) => Math.sin(i * 0.37 + k));
      await existing!.add({ ids: ['ours-1', 'ours-2'], embeddings: [v(1), v(2)], metadatas: [{ é: 'ü', f: 0.5 }, { b: true }] });
      await existing!.delete({ ids: ['ours-2'] });
      expect((await existing!.query({ queryEmbeddings: [v(1)], nResults: 1 })).ids).toEqual([['ours-1']]);
      await expect(existing!.add({ ids: ['x'], embeddings: [v(3)], metadatas: [{ tags: ['a'] }] })).rejects.toThrow(/stores no array metadata/);
      const fresh = await client.createCollection({ name: 'new-in-0-6', metadata: { 'hnsw:space': 'ip' }, embeddingFunction: null });
      await fresh.add({ ids: ['p'], embeddings: [[1, 2]] });
    } finally {
      await client.close();
    }
    expect(sql(dir, 'SELECT DISTINCT typeof(seq_id) AS t FROM max_seq_id')).toEqual([{ t: 'blob' }]);
    expect(sql(dir, "SELECT DISTINCT typeof(seq_id) AS t FROM embeddings WHERE embedding_id LIKE 'ours-%' OR embedding_id = 'p'")).toEqual([{ t: 'blob' }]);
    expect(sql(dir, "SELECT metadata FROM embeddings_queue WHERE id = 'ours-2' AND operation = 3")).toEqual([{ metadata: null }]);
    const [cfg] = sql(dir, "SELECT config_json_str AS c FROM collections WHERE name = 'new-in-0-6'");
    expect(JSON.parse(String(cfg!.c)).hnsw_configuration).toMatchObject({ space: 'ip', M: 16, _type: 'HNSWConfigurationInternal' });
    expect(sql(dir, "SELECT key, str_value AS s FROM segment_metadata WHERE key LIKE 'hnsw:%'")).toEqual([{ key: 'hnsw:space', s: 'ip' }]);
    // Python keeps id_to_seq_id current: the persisted pickles name each live id's last WAL seq.
    const seqIds = (name: string) => {
      const [seg] = sql(dir, `SELECT s.id FROM segments s JOIN collections c ON c.id = s.collection WHERE c.name = '${name}' AND s.scope = 'VECTOR'`);
      return pickleField(join(dir, String(seg!.id)), 'id_to_seq_id');
    };
    const [p] = sql(dir, "SELECT seq_id FROM embeddings WHERE embedding_id = 'p'");
    const pSeq = Number(Buffer.from(p!.seq_id as Uint8Array).readBigUInt64BE());
    expect(seqIds('new-in-0-6')).toEqual(new Map([['p', pSeq]]));
    const existingSeqs = seqIds(String(sql(dir, "SELECT name FROM collections WHERE name <> 'new-in-0-6'")[0]!.name));
    expect(existingSeqs.has('ours-1')).toBe(true);
    expect(existingSeqs.has('ours-2')).toBe(false);
    expect(noErrors(dir)).toEqual([]);
  });

});
