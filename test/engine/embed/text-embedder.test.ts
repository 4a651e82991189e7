import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { c as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTextFunction, embedText, type TextEmbedHost } from '../../../src-main/engine/embed/text-embedder.js';
import { chromaModelFolder } from '../../../src-main/engine/embed/minilm-model.js';
import { modelFromUrl } from '../../../src-main/engine/embed/model-archive.js';
import { withTextsEmbedded } from '../../../src-main/engine/embed/query-texts.js';
import { caught } from '../../helpers/caught.js';
import { expectedTinyEmbedding, TINY_IDS as T, TINY_WIDTH, writeTinyModelFolder } from '../../helpers/tiny-bert-model.js';

/**
 * Which embedding function a collection's recorded configuration names, whether it can run here,
 * and the text → vector path for each runner: Chroma's default model (from Chroma's cache, a
 * folder, or a URL), OpenAI's and Cohere's APIs (against a local stand-in that checks what it is sent).
 */
const root = mkdtempSync(join(tmpdir(), 'text-embedder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const signal = new AbortController().signal;

const known = (name: string, config: Record<string, unknown> = {}) => ({ configJson: { embedding_function: { type: 'known', name, config } }, schemaJson: null, dimension: TINY_WIDTH });
const inSchema = (name: string) => ({
  configJson: null,
  schemaJson: { keys: { '#embedding': { float_list: { vector_index: { enabled: true, config: { embedding_function: { type: 'known', name, config: {} } } } } } } },
  dimension: TINY_WIDTH,
});
const tokens = (...t: string[]) => ['[CLS]', ...t, '[SEP]'].map((x) => T[x]!);

/** A home whose Chroma cache holds the tiny model where Chroma's Python client would put the real one. */
const home = join(root, 'home');
writeTinyModelFolder(chromaModelFolder(home));
const desktop: TextEmbedHost = { environmentKeys: true, env: {}, home };

describe('the recorded function', () => {
  it.each([
    ['default in the configuration', known('default')],
    ['onnx_mini_lm_l6_v2 in the configuration', known('onnx_mini_lm_l6_v2')],
    ['default in the 1.3 schema', inSchema('default')],
  ])('%s runs Chroma\'s default model from Chroma\'s cache', async (_label, collection) => {
    const info = describeTextFunction(collection, {}, desktop);
    expect(info).toMatchObject({ runner: 'onnx-minilm', model: 'all-MiniLM-L6-v2', location: chromaModelFolder(home), ready: true, overridden: false });
    const out = await embedText(collection, 'the cat sat', {}, desktop, signal);
    expect(out.vector).toEqual(expectedTinyEmbedding(tokens('the', 'cat', 'sat')));
    expect(out).toMatchObject({ runner: 'onnx-minilm', tokens: 5, truncated: false });
  });

  it('a folder from before 1.0 (nothing recorded) says so, and runs the default model when asked', async () => {
    const old = { configJson: null, schemaJson: null, dimension: TINY_WIDTH };
    const info = describeTextFunction(old, {}, desktop);
    expect(info).toMatchObject({ recorded: null, runner: null, ready: false });
    expect(info.reason).toMatch(/^Chroma recorded no embedding function for this collection .* choose the default model/);
    const err = await caught(embedText(old, 'cat', {}, desktop, signal));
    expect(err.code).toBe('EMBEDDING_UNAVAILABLE');
    expect(describeTextFunction(old, { function: 'default' }, desktop)).toMatchObject({ runner: 'onnx-minilm', ready: true, overridden: true });
    expect((await embedText(old, 'cat', { function: 'default' }, desktop, signal)).vector).toEqual(expectedTinyEmbedding(tokens('cat')));
  });

  it('legacy and unnamed functions, and functions that cannot run here, say why', () => {
    expect(describeTextFunction({ configJson: { embedding_function: { type: 'legacy' } }, schemaJson: null, dimension: 384 }, {}, desktop).reason).toMatch(/"legacy".*Its vectors are 384-d, as the default model's are/);
    const jina = describeTextFunction(known('jina', { model_name: 'jina-embeddings-v2' }), {}, desktop);
    expect(jina).toMatchObject({ recorded: 'jina', runner: null, model: 'jina-embeddings-v2', ready: false });
    expect(jina.reason).toMatch(/recorded the embedding function "jina", which cannot run here/);
    expect(describeTextFunction(known('openai', { api_type: 'azure' }), {}, desktop).reason).toMatch(/Azure/);
  });

  it('a model that gives vectors of another width than the collection\'s is refused', async () => {
    const err = await caught(embedText({ ...known('default'), dimension: 384 }, 'cat', {}, desktop, signal));
    expect(err.code).toBe('DIMENSION_MISMATCH');
    expect(err.message).toBe(`all-MiniLM-L6-v2 gives ${TINY_WIDTH}-d vectors, but this collection holds 384-d ones: its records were not embedded with this function`);
  });

  it('says where Chroma\'s model is missing from, or what a given folder lacks', () => {
    const empty = describeTextFunction(known('default'), {}, { environmentKeys: true, home: join(root, 'nobody') });
    expect(empty.ready).toBe(false);
    expect(empty.reason).toContain(`${chromaModelFolder(join(root, 'nobody'))} lacks model.onnx and tokenizer.json`);
    const dir = join(root, 'half');
    mkdirSync(dir);
    expect(describeTextFunction(known('default'), { modelDir: dir }, desktop).reason).toBe(`${dir}: the model folder lacks model.onnx and tokenizer.json`);
  });
});

describe('API functions', () => {
  let server: Server;
  let base = '';
  const seen: { path: string; auth: string | undefined; org: string | undefined; body: Record<string, unknown> }[] = [];
  const body = (req: IncomingMessage) => new Promise<string>((done) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => done(s));
  });
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const parsed = JSON.parse(await body(req)) as Record<string, unknown>;
      seen.push({ path: req.url!, auth: req.headers.authorization, org: req.headers['openai-organization'] as string | undefined, body: parsed });
      if (req.headers.authorization !== 'Bearer good-key') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
        return;
      }
      const vector = [0.5, -0.25, 0.125, 1, 0, 2];
      if (req.url === '/v1/embeddings') res.end(JSON.stringify({ data: [{ index: 0, embedding: vector }], model: parsed.model }));
      else if (req.url === '/broken/embeddings') res.end('<html>');
      else res.end(JSON.stringify({ embeddings: [vector] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('OpenAI: the recorded model, dimensions and organisation, the key from the variable the config names', async () => {
    const c = known('openai', { api_base: `${base}/v1`, model_name: 'text-embedding-3-small', dimensions: 6, organization_id: 'org-1', api_key_env_var: 'MY_OPENAI_KEY' });
    const host: TextEmbedHost = { environmentKeys: true, env: { MY_OPENAI_KEY: 'good-key' } };
    expect(describeTextFunction(c, {}, host)).toMatchObject({ runner: 'openai', model: 'text-embedding-3-small', location: `${base}/v1/embeddings`, ready: true, apiKeyEnvVar: 'MY_OPENAI_KEY', apiKeyInEnvironment: true });
    const out = await embedText(c, 'two\nlines', {}, host, signal);
    expect(out).toEqual({ vector: [0.5, -0.25, 0.125, 1, 0, 2], runner: 'openai', model: 'text-embedding-3-small', tokens: null, truncated: false });
    expect(seen.at(-1)).toEqual({ path: '/v1/embeddings', auth: 'Bearer good-key', org: 'org-1', body: { input: ['two lines'], model: 'text-embedding-3-small', dimensions: 6 } });
  });

  it('Cohere: input_type search_document, as Chroma\'s function sends', async () => {
    const c = known('cohere', { model_name: 'embed-english-v3.0' });
    // Chroma's Cohere config has no base URL to point at the stand-in: the request is checked through embedWithApi.
    const { embedWithApi } = await import('../../../src-main/engine/embed/api-embedders.js');
    const vector = await embedWithApi({ runner: 'cohere', model: 'embed-english-v3.0', endpoint: `${base}/v1/embed`, apiKeyEnvVar: 'X', extra: {}, headers: {} }, 'hello', 'good-key', signal);
    expect(vector).toEqual([0.5, -0.25, 0.125, 1, 0, 2]);
    expect(seen.at(-1)!.body).toEqual({ texts: ['hello'], model: 'embed-english-v3.0', input_type: 'search_document' });
    expect(describeTextFunction(c, {}, { environmentKeys: true, env: {} })).toMatchObject({ runner: 'cohere', location: 'https://api.cohere.ai/v1/embed', ready: false, apiKeyEnvVar: 'CHROMA_COHERE_API_KEY' });
  });

  it('a refused key, an answer that is not JSON, and a host that lends no environment keys', async () => {
    const c = known('openai', { api_base: `${base}/v1`, model_name: 'm', api_key_env_var: 'K' });
    const refused = await caught(embedText(c, 'x', { apiKey: 'bad-key' }, { environmentKeys: true, env: {} }, signal));
    expect(refused.code).toBe('UNAUTHORIZED');
    expect(refused.message).toBe(`${base}/v1/embeddings: the API refused the key (HTTP 401: Incorrect API key provided)`);
    const broken = await caught(embedText(known('openai', { api_base: `${base}/broken`, model_name: 'm' }), 'x', { apiKey: 'good-key' }, desktop, signal));
    expect(broken.message).toBe(`${base}/broken/embeddings: the answer is not JSON`);
    const served = describeTextFunction(c, {}, { environmentKeys: false, env: { K: 'good-key' } });
    expect(served).toMatchObject({ ready: false, apiKeyInEnvironment: false });
    expect(served.reason).toMatch(/does not lend its own environment's keys/);
    expect((await embedText(c, 'x', { apiKey: 'good-key' }, { environmentKeys: false, env: {} }, signal)).vector).toHaveLength(6);
  });
});

describe('a model from a URL', () => {
  let server: Server;
  let base = '';
  let hits = 0;
  const archives = join(root, 'archives');
  beforeAll(async () => {
    mkdirSync(archives);
    writeTinyModelFolder(join(archives, 'src', 'onnx'));
    await createTar({ gzip: true, file: join(archives, 'onnx.tar.gz'), cwd: join(archives, 'src') }, ['onnx']);
    mkdirSync(join(archives, 'empty', 'onnx'), { recursive: true });
    await createTar({ gzip: true, file: join(archives, 'empty.tar.gz'), cwd: join(archives, 'empty') }, ['onnx']);
    server = createServer((req, res) => {
      hits++;
      if (req.url === '/slow.tar.gz') {
        res.writeHead(200, { 'content-length': '1000000' });
        res.write(Buffer.alloc(1000));
        return; // never ends: the caller cancels
      }
      const file = req.url === '/onnx.tar.gz' ? 'onnx.tar.gz' : req.url === '/empty.tar.gz' ? 'empty.tar.gz' : null;
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      res.end(readFileSync(join(archives, file)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('downloads once, with progress, unpacks into the inspector\'s cache and embeds', async () => {
    const steps: string[] = [];
    const h: TextEmbedHost = { environmentKeys: true, home: join(root, 'url-home') };
    const out = await embedText(known('default'), 'hello', { modelUrl: `${base}/onnx.tar.gz` }, h, signal, (_d, _t, m) => steps.push(m));
    expect(out.vector).toEqual(expectedTinyEmbedding(tokens('hello')));
    expect(steps).toContain('downloading the model');
    expect(steps).toContain('unpacking the model');
    const before = hits;
    await embedText(known('default'), 'world', { modelUrl: `${base}/onnx.tar.gz` }, h, signal);
    expect(hits).toBe(before);
    expect(readdirSync(join(root, 'url-home', '.cache', 'chroma-inspector', 'onnx_models'))).toHaveLength(1);
  });

  it('refuses a download whose checksum is not the expected one, and keeps nothing', async () => {
    const cache = join(root, 'sha-cache');
    const err = await caught(modelFromUrl(`${base}/onnx.tar.gz`, signal, () => {}, cache, '0'.repeat(64)));
    expect(err.message).toMatch(/the download's SHA-256 is [0-9a-f]{64}, not the expected 0{64}; it was not used$/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('an archive without a model, a missing file, and a cancelled download', async () => {
    const cache = join(root, 'bad-cache');
    expect((await caught(modelFromUrl(`${base}/empty.tar.gz`, signal, () => {}, cache))).message).toBe(`${base}/empty.tar.gz: the archive holds no folder with model.onnx and tokenizer.json`);
    expect((await caught(modelFromUrl(`${base}/nothing.tar.gz`, signal, () => {}, cache))).message).toBe(`${base}/nothing.tar.gz: the download answered HTTP 404`);
    const ac = new AbortController();
    const pending = modelFromUrl(`${base}/slow.tar.gz`, ac.signal, (done) => done > 0 && ac.abort(), cache);
    expect((await caught(pending)).code).toBe('CANCELLED');
    expect(readdirSync(cache)).toEqual([]);
  });
});

describe('queryTexts', () => {
  const embed = async (t: string) => [t.length];
  it('become queryEmbeddings, one per text, the rest untouched', async () => {
    expect(await withTextsEmbedded({ queryTexts: ['ab', 'abc'], nResults: 3 }, embed)).toEqual({ queryEmbeddings: [[2], [3]], nResults: 3 });
    expect(await withTextsEmbedded({ queryTexts: 'abcd' }, embed)).toEqual({ queryEmbeddings: [[4]] });
    expect(await withTextsEmbedded({ queryEmbeddings: [[1]] }, embed)).toEqual({ queryEmbeddings: [[1]] });
  });
  it('with vectors too, or not texts, are refused', async () => {
    expect((await caught(withTextsEmbedded({ queryTexts: ['a'], queryEmbeddings: [[1]] }, embed))).message).toBe('Give queryEmbeddings or queryTexts, not both');
    expect((await caught(withTextsEmbedded({ queryTexts: [1] }, embed))).code).toBe('INVALID_ARGUMENT');
    expect((await caught(withTextsEmbedded({ queryTexts: [] }, embed))).code).toBe('INVALID_ARGUMENT');
  });
});
