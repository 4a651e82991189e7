import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { chromaModelFolder, missingModelFiles } from '../../src-main/engine/embed/minilm-model.js';
import { embedText } from '../../src-main/engine/embed/text-embedder.js';
import { recordedFunction, DEFAULT_FUNCTION_NAMES } from '../../src-main/engine/embed/recorded-function.js';
import { corpusSuite, hasRealWorld, realWorldDir } from '../helpers/paths.js';

/**
 * The one check against the real all-MiniLM-L6-v2 (docs/query-by-text.md): documents of
 * real-world collections that recorded Chroma's default function, embedded here, against the
 * vectors Chroma's clients stored for them. It needs the model where Chroma caches it, which
 * cannot be downloaded on the machines this was built on: then it says so and skips.
 */
const model = chromaModelFolder();
const missing = missingModelFiles(model);
const reason = missing.length ? `SKIPPED: Chroma's all-MiniLM-L6-v2 is not in ${model} (${missing.join(', ')} missing; Chroma's Python client puts it there the first time it embeds)` : '';

describe.skipIf(!hasRealWorld || missing.length > 0)(corpusSuite(`text embedded here against the vectors Chroma stored ${reason}`), () => {
  it('gives each short document of a default-function collection the vector Chroma stored for it', async () => {
    let checked = 0;
    for (const name of readdirSync(realWorldDir)) {
      let folder: ChromaFolder;
      try {
        folder = ChromaFolder.open(join(realWorldDir, name));
      } catch {
        continue;
      }
      try {
        for (const t of folder.info().tenants) {
          for (const d of t.databases) {
            for (const c of d.collections) {
              const catalog = folder.collection(c.id).catalog;
              const fn = recordedFunction(catalog).name;
              if (fn === null || !DEFAULT_FUNCTION_NAMES.has(fn) || catalog.dimension !== 384) continue;
              const got = folder.get(c.id, { limit: 20, include: ['documents', 'embeddings'] }) as { ids: string[]; documents: (string | null)[]; embeddings: number[][] };
              for (let i = 0; i < got.ids.length; i++) {
                const doc = got.documents[i];
                // Short documents only: nothing is cut, so the stored vector saw the same tokens.
                if (!doc || doc.split(/\s+/).length > 150) continue;
                const mine = (await embedText(catalog, doc, {}, { environmentKeys: false }, new AbortController().signal)).vector;
                const stored = got.embeddings[i]!;
                const cos = mine.reduce((s, v, j) => s + v * stored[j]!, 0) / Math.hypot(...stored);
                // Exports of the model and runtimes differ in the last float32 bits, not more.
                expect(cos, `${name} ${c.name} ${got.ids[i]}`).toBeGreaterThan(0.9999);
                checked++;
              }
            }
          }
        }
      } finally {
        folder.close();
      }
    }
    expect(checked).toBeGreaterThan(0);
  }, 300_000);
});
