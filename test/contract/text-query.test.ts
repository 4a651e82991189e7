import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../shared/client.js';
import type { OpenedFolder } from '../../shared/contract.js';
import type { InspectorError } from '../../shared/errors.js';
import { chromaModelFolder } from '../../src-main/engine/embed/minilm-model.js';
import { TextEmbeddingService } from '../../src-main/service/text-embedding.js';
import { confinedPaths, unrestrictedPaths } from '../../src-main/service/path-policy.js';
import { ANY_SERVER } from '../../src-main/service/server-policy.js';
import { contractHosts } from '../helpers/contract-hosts.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { useChromaServer } from '../helpers/served-chroma.js';
import { writeTinyModelFolder } from '../helpers/tiny-bert-model.js';
import { cosineRanking, TEXT_DOCS, TEXT_OF, tinyVector, writeTextFolder } from '../helpers/text-folder.js';

/**
 * Query by text through the contract, on every host the UI uses, for a folder and for a real
 * Chroma server serving a copy of it: the text is embedded here (the tiny stand-in for Chroma's
 * default model, found where Chroma keeps it under $HOME), and the answers are checked against
 * a float64 cosine ranking of vectors computed from the model's tables, and against Chroma's own.
 */
const work = mkdtempSync(join(tmpdir(), 'contract-text-'));
const folder = join(work, 'folder');
const home = join(work, 'home');
const savedHome = process.env.HOME;
beforeAll(async () => {
  await writeTextFolder(folder);
  writeTinyModelFolder(chromaModelFolder(home));
  process.env.HOME = home;
});
afterAll(() => {
  process.env.HOME = savedHome;
  rmSync(work, { recursive: true, force: true });
});

const err = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as InspectorError);

describe('query by text through the contract', () => {
  const hosts = contractHosts(folder);
  for (const host of [hosts.inProcess, hosts.webSocket, hosts.workerPool]) {
    describe(host.name, () => {
      let client: EngineClient;
      let stop: () => Promise<void>;
      let opened: OpenedFolder;
      const id = (name: string) => opened.info.tenants[0]!.databases[0]!.collections.find((c) => c.name === name)!.id;
      beforeAll(async () => {
        ({ client, stop } = await host.start());
        opened = await client.call('openFolder', { path: folder });
      }, 60_000);
      afterAll(async () => stop?.());

      it('says how the collection\'s text is embedded, then embeds it', async () => {
        const info = await client.call('textFunction', { handle: opened.handle, collectionId: id('docs') });
        expect(info).toMatchObject({ recorded: 'default', runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', location: chromaModelFolder(home), ready: true });
        const e = await client.call('embedText', { handle: opened.handle, collectionId: id('docs'), text: TEXT_OF.hello! });
        expect(e).toEqual({ vector: tinyVector(TEXT_DOCS.hello!), runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', tokens: 6, truncated: false });
      });

      it('query and whyNot embed queryTexts first', async () => {
        const q = await client.call('query', { handle: opened.handle, collectionId: id('docs'), args: { queryTexts: [TEXT_OF.sat], nResults: 5, include: ['distances'] } });
        const expected = cosineRanking(tinyVector(TEXT_DOCS.sat!)).slice(0, 5);
        expect(q.ids[0]).toEqual(expected.map((x) => x.id));
        q.distances![0]!.forEach((d, i) => expect(d).toBeCloseTo(expected[i]!.distance, 5));
        const last = cosineRanking(tinyVector(TEXT_DOCS.sat!)).at(-1)!;
        const why = await client.call('whyNot', { handle: opened.handle, collectionId: id('docs'), args: { queryTexts: [TEXT_OF.sat], nResults: 2 }, id: last.id });
        expect(why).toMatchObject({ cause: 'ranked-below-k', exactRank: Object.keys(TEXT_DOCS).length });
      });

      it('a collection with nothing recorded says so, and runs the default model when asked', async () => {
        const info = await client.call('textFunction', { handle: opened.handle, collectionId: id('unnamed') });
        expect(info).toMatchObject({ recorded: null, runner: null, ready: false });
        const refused = await err(client.call('embedText', { handle: opened.handle, collectionId: id('unnamed'), text: 'cats' }));
        expect(refused?.code).toBe('EMBEDDING_UNAVAILABLE');
        expect(refused?.message).toMatch(/Chroma recorded no embedding function/);
        const q = await client.call('query', { handle: opened.handle, collectionId: id('unnamed'), args: { queryTexts: ['cats'], nResults: 1 }, embed: { function: 'default' } });
        expect(q.ids).toEqual([['cats']]);
      });
    });
  }
});

describe('what a host lets its clients ask for', () => {
  const c = { configJson: { embedding_function: { type: 'known', name: 'openai', config: { api_key_env_var: 'TEXT_TEST_KEY' } } }, schemaJson: null, dimension: 6 };
  const ctx = { signal: new AbortController().signal, progress: () => {} };

  it('the desktop app and a loopback serve: a model URL, any folder, and the environment\'s keys', () => {
    process.env.TEXT_TEST_KEY = 'k';
    try {
      const desktop = new TextEmbeddingService(unrestrictedPaths, ANY_SERVER);
      expect(desktop.describe(c, undefined)).toMatchObject({ ready: true, apiKeyInEnvironment: true });
      expect(desktop.describe(c, { function: 'default', modelUrl: 'http://127.0.0.1:9/onnx.tar.gz' })).toMatchObject({ location: 'http://127.0.0.1:9/onnx.tar.gz' });
    } finally {
      delete process.env.TEXT_TEST_KEY;
    }
  });

  it('a serve reachable from elsewhere: no downloads, model folders only inside its roots, no environment keys', async () => {
    process.env.TEXT_TEST_KEY = 'k';
    const root = join(work, 'served-root');
    mkdirSync(root, { recursive: true });
    try {
      const remote = new TextEmbeddingService(confinedPaths([root]), { defaultServer: null, allowed: [], envCredentialsFor: [] });
      expect(remote.describe(c, undefined)).toMatchObject({ ready: false, apiKeyInEnvironment: false });
      expect(() => remote.describe(c, { modelUrl: 'http://127.0.0.1:9/onnx.tar.gz' })).toThrow(/does not download models for its clients/);
      expect(() => remote.describe(c, { modelDir: chromaModelFolder(home) })).toThrow(/outside the folders this server may use/);
      const byKey = await err(remote.embed(c, 'x', { apiKey: 'sent-by-the-client' }, ctx));
      // The key reaches the API (unreachable here): what the host refuses is only its own environment's keys.
      expect(byKey?.code).toBe('SERVER_UNREACHABLE');
    } finally {
      delete process.env.TEXT_TEST_KEY;
    }
  });
});

const version = '1.3.4';
const problem = realChromaProblem(version);
reportSkip(`query by text on a real Chroma ${version} server`, problem);

describe.skipIf(problem !== null)('query by text on a real Chroma server', () => {
  // Real Chroma is installed under the real home; the model is found under the test's.
  beforeAll(() => void (process.env.HOME = savedHome));
  const served = useChromaServer(version, { prepare: (dir) => writeTextFolder(join(dir, 'served')) });
  beforeAll(() => void (process.env.HOME = home));
  const hosts = contractHosts(join(tmpdir(), 'no-default-folder'));
  for (const host of [hosts.inProcess, hosts.workerPool]) {
    it(`${host.name}: Chroma answers the vector embedded here as the independent ranking does`, async () => {
      const { client, stop } = await host.start();
      try {
        const opened = await client.call('openServer', { url: served.server.url });
        const collectionId = opened.info.tenants[0]!.databases[0]!.collections.find((c) => c.name === 'docs')!.id;
        expect(await client.call('textFunction', { handle: opened.handle, collectionId })).toMatchObject({ recorded: 'default', ready: true });
        const q = await client.call('query', { handle: opened.handle, collectionId, args: { queryTexts: [TEXT_OF.cafe, TEXT_OF.mat], nResults: 3, include: ['distances', 'documents'] } });
        for (const [i, key] of (['cafe', 'mat'] as const).entries()) {
          const expected = cosineRanking(tinyVector(TEXT_DOCS[key]!)).slice(0, 3);
          expect(q.ids[i]).toEqual(expected.map((x) => x.id));
          q.distances![i]!.forEach((d, j) => expect(d).toBeCloseTo(expected[j]!.distance, 5));
        }
        expect(q.documents![0]![0]).toBe(TEXT_OF.cafe);
      } finally {
        await stop();
      }
    }, 60_000);
  }
});
