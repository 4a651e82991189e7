import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as extractTar } from 'tar';
import { InspectorError } from '../../../shared/errors.js';
import { missingModelFiles } from './minilm-model.js';

/** The archive Chroma's Python client downloads, and the SHA-256 it checks (ONNXMiniLM_L6_V2). */
export const CHROMA_MODEL_URL = 'https://chroma-onnx-models.s3.amazonaws.com/all-MiniLM-L6-v2/onnx.tar.gz';
export const CHROMA_MODEL_SHA256 = '913d7300ceae3b2dbc2c50d1de4baacab4be7b9380491c27fab7418616a16ec3';
/** Chroma's archive is ~80 MB; anything past this is not a MiniLM model. */
const MAX_ARCHIVE_BYTES = 1 << 30;

export interface ArchiveProgress {
  (done: number, total: number | null, message: string): void;
}

/** Where models fetched from a URL are kept, one folder per URL: never Chroma's own cache. */
export function downloadedModelsFolder(home = homedir()): string {
  return join(home, '.cache', 'chroma-inspector', 'onnx_models');
}

/**
 * A model from an `onnx.tar.gz` at a URL (Chroma's, or a mirror of it): downloaded once into our
 * cache, checked (Chroma's own URL against Chroma's SHA-256), unpacked (tar refuses paths that
 * leave the folder), and the folder inside holding model.onnx and tokenizer.json returned.
 */
export async function modelFromUrl(
  url: string,
  signal: AbortSignal,
  progress: ArchiveProgress,
  cacheRoot = downloadedModelsFolder(),
  expectedSha256: string | null = url === CHROMA_MODEL_URL ? CHROMA_MODEL_SHA256 : null,
): Promise<string> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InspectorError('INVALID_ARGUMENT', `${url}: not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new InspectorError('INVALID_ARGUMENT', `${url}: only http(s) URLs can be downloaded`);
  const folder = join(cacheRoot, createHash('sha256').update(url).digest('hex').slice(0, 16));
  const ready = findModelFolder(folder);
  if (ready) return ready;
  mkdirSync(cacheRoot, { recursive: true });
  const partial = `${folder}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial);
  try {
    const archive = join(partial, 'archive.tar.gz');
    const sha = await download(url, archive, signal, progress);
    if (expectedSha256 !== null && sha !== expectedSha256) {
      throw new InspectorError('EMBEDDING_UNAVAILABLE', `${url}: the download's SHA-256 is ${sha}, not the expected ${expectedSha256}; it was not used`);
    }
    progress(0, null, 'unpacking the model');
    await unpack(archive, join(partial, 'model'), url);
    rmSync(archive);
    rmSync(folder, { recursive: true, force: true });
    renameSync(partial, folder);
  } catch (e) {
    rmSync(partial, { recursive: true, force: true });
    throw e;
  }
  const found = findModelFolder(folder);
  if (!found) {
    rmSync(folder, { recursive: true, force: true });
    throw new InspectorError('EMBEDDING_UNAVAILABLE', `${url}: the archive holds no folder with ${['model.onnx', 'tokenizer.json'].join(' and ')}`);
  }
  return found;
}

/** Unpacks a local archive (Chroma's onnx.tar.gz kept beside an unpacked folder that is gone). */
export async function unpack(archive: string, into: string, label = archive): Promise<void> {
  mkdirSync(into, { recursive: true });
  try {
    await extractTar({ file: archive, cwd: into, strict: true, preservePaths: false, preserveOwner: false });
  } catch (e) {
    throw new InspectorError('EMBEDDING_UNAVAILABLE', `${label}: not a readable .tar.gz model archive (${(e as Error).message})`);
  }
}

/** The folder (itself, or one level or two down) that holds the model files. */
export function findModelFolder(root: string): string | null {
  if (!existsSync(root)) return null;
  const queue = [root];
  for (let depth = 0; depth < 3 && queue.length > 0; depth++) {
    for (const dir of queue.splice(0)) {
      if (missingModelFiles(dir).length === 0) return dir;
      for (const name of readdirSync(dir)) {
        const sub = join(dir, name);
        if (statSync(sub).isDirectory()) queue.push(sub);
      }
    }
  }
  return null;
}

async function download(url: string, file: string, signal: AbortSignal, progress: ArchiveProgress): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (e) {
    if (signal.aborted) throw new InspectorError('CANCELLED', 'The model download was cancelled');
    throw new InspectorError('SERVER_UNREACHABLE', `${url}: cannot download the model (${(e as Error).message})`);
  }
  if (!res.ok || !res.body) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${url}: the download answered HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || null;
  if (total !== null && total > MAX_ARCHIVE_BYTES) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${url}: ${total} bytes is too large for a model archive`);
  const hash = createHash('sha256');
  let done = 0;
  const counted = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>).map((chunk: Buffer) => {
    done += chunk.length;
    if (done > MAX_ARCHIVE_BYTES) throw new InspectorError('EMBEDDING_UNAVAILABLE', `${url}: more than ${MAX_ARCHIVE_BYTES} bytes; not a model archive`);
    hash.update(chunk);
    progress(done, total, 'downloading the model');
    return chunk;
  });
  try {
    await pipeline(counted, createWriteStream(file), { signal });
  } catch (e) {
    if (signal.aborted) throw new InspectorError('CANCELLED', 'The model download was cancelled');
    throw e instanceof InspectorError ? e : new InspectorError('SERVER_UNREACHABLE', `${url}: the download failed (${(e as Error).message})`);
  }
  return hash.digest('hex');
}
