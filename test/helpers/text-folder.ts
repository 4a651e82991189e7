import { PersistentClient } from '../../src-main/client/persistent-client.js';
import { expectedTinyEmbedding, TINY_IDS } from './tiny-bert-model.js';

/** Documents whose tiny-model tokens are known by hand ([CLS] … [SEP] added by `tinyVector`). */
export const TEXT_DOCS: Record<string, string[]> = {
  cat: ['the', 'cat', 'sat', 'on', 'the', 'mat'],
  hello: ['hello', ',', 'world', '!'],
  cats: ['cat', '##s'],
  cafe: ['cafe', '中', '文'],
  mat: ['a', 'mat', '.'],
  unaffable: ['un', '##aff', '##able'],
  world: ['world'],
  sat: ['sat', 'on', 'a', 'mat'],
};
/** The text of each document (what tokenises to the words above). */
export const TEXT_OF: Record<string, string> = {
  cat: 'the cat sat on the mat',
  hello: 'Hello, world!',
  cats: 'cats',
  cafe: 'Café 中文',
  mat: 'a mat.',
  unaffable: 'unaffable',
  world: 'world',
  sat: 'sat on a mat',
};

/** The vector Chroma's default function gives a document under the tiny model, from its tables. */
export const tinyVector = (words: string[]): number[] => expectedTinyEmbedding(['[CLS]', ...words, '[SEP]'].map((t) => TINY_IDS[t]!));

/**
 * A folder written by our engine with two collections of the documents above, cosine space:
 * `docs`, created as Chroma's clients create it by default (embedding function `default`
 * recorded), and `unnamed`, with no function recorded (as folders from before Chroma 1.0).
 */
export async function writeTextFolder(path: string): Promise<void> {
  const client = new PersistentClient({ path });
  const ids = Object.keys(TEXT_DOCS);
  const records = { ids, embeddings: ids.map((id) => tinyVector(TEXT_DOCS[id]!)), documents: ids.map((id) => TEXT_OF[id]!) };
  const docs = await client.createCollection({ name: 'docs', metadata: { 'hnsw:space': 'cosine' } });
  await docs.add(records);
  const unnamed = await client.createCollection({ name: 'unnamed', metadata: { 'hnsw:space': 'cosine' }, embeddingFunction: null });
  await unnamed.add(records);
  await client.close();
}

/** Ids by cosine distance to `q`, nearest first, in float64 (an independent ranking). */
export function cosineRanking(q: number[]): { id: string; distance: number }[] {
  const cos = (a: number[], b: number[]) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    a.forEach((v, i) => {
      dot += v * b[i]!;
      na += v * v;
      nb += b[i]! * b[i]!;
    });
    return 1 - dot / Math.sqrt(na * nb);
  };
  return Object.keys(TEXT_DOCS)
    .map((id) => ({ id, distance: cos(q, tinyVector(TEXT_DOCS[id]!)) }))
    .sort((a, b) => a.distance - b.distance);
}
