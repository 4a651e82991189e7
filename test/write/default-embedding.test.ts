import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { DefaultEmbeddingFunction } from '../../src-main/index.js';
import { chromaModelFolder } from '../../src-main/engine/embed/minilm-model.js';
import { writeTinyModelFolder } from '../helpers/tiny-bert-model.js';
import { cosineRanking, TEXT_DOCS, TEXT_OF, tinyVector } from '../helpers/text-folder.js';

/**
 * PersistentClient embeds documents and queryTexts with Chroma's default function when the
 * collection recorded it and none is passed, as the chromadb client does with
 * @chroma-core/default-embed: here with the tiny stand-in model in Chroma's cache under $HOME,
 * checked against vectors computed from the model's tables.
 */
const work = mkdtempSync(join(tmpdir(), 'default-ef-'));
const home = join(work, 'home');
const savedHome = process.env.HOME;
beforeAll(() => {
  writeTinyModelFolder(chromaModelFolder(home));
  process.env.HOME = home;
});
afterAll(() => {
  process.env.HOME = savedHome;
  rmSync(work, { recursive: true, force: true });
});
const ids = Object.keys(TEXT_DOCS);

describe("PersistentClient with Chroma's default embedding function", () => {
  it('embeds documents on add and texts on query, and a new client on the folder does too', async () => {
    const path = join(work, 'folder');
    const client = new PersistentClient({ path });
    const col = await client.createCollection({ name: 'docs', metadata: { 'hnsw:space': 'cosine' } });
    await col.add({ ids, documents: ids.map((id) => TEXT_OF[id]!) });
    const got = await col.get({ ids, include: ['embeddings'] });
    // A cosine collection keeps vectors normalised again in float32 (as Chroma's index does): within an ulp.
    got.ids.forEach((id, i) => tinyVector(TEXT_DOCS[id]!).forEach((v, j) => expect(got.embeddings[i]![j]).toBeCloseTo(v, 6)));
    const q = await col.query({ queryTexts: [TEXT_OF.sat!], nResults: 4, include: ['distances'] });
    const expected = cosineRanking(tinyVector(TEXT_DOCS.sat!)).slice(0, 4);
    expect(q.ids[0]).toEqual(expected.map((e) => e.id));
    await client.close();

    const again = new PersistentClient({ path });
    const reopened = await again.getCollection({ name: 'docs' });
    expect(reopened.embeddingFunction).toBeInstanceOf(DefaultEmbeddingFunction);
    expect((await reopened.query({ queryTexts: [TEXT_OF.cafe!], nResults: 1 })).ids).toEqual([['cafe']]);
    await again.close();
  });

  it('says why when the model is not on this machine, and leaves collections without a function alone', async () => {
    const client = new PersistentClient({ path: join(work, 'other') });
    const col = await client.createCollection({ name: 'docs' });
    process.env.HOME = join(work, 'nobody');
    try {
      await expect(col.add({ ids: ['a'], documents: ['cats'] })).rejects.toThrow(/Chroma's default embedding function cannot run: .*lacks model\.onnx and tokenizer\.json\. Pass embeddings, or an embeddingFunction\./);
    } finally {
      process.env.HOME = home;
    }
    const none = await client.createCollection({ name: 'none', embeddingFunction: null });
    expect(none.embeddingFunction).toBeUndefined();
    await expect(none.add({ ids: ['a'], documents: ['cats'] })).rejects.toThrow(/No embedding function found/);
    await client.close();
  });

  it('takes a model folder', async () => {
    const dir = writeTinyModelFolder(join(work, 'elsewhere'));
    const ef = new DefaultEmbeddingFunction({ modelDir: dir });
    expect(await ef.generate([TEXT_OF.hello!, TEXT_OF.world!])).toEqual([tinyVector(TEXT_DOCS.hello!), tinyVector(TEXT_DOCS.world!)]);
  });
});
