import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startChroma, stopAllChroma, type ChromaServer } from './reference-chroma.js';

/**
 * Registers beforeAll/afterAll hooks that run a real Chroma `version` on a folder of its own in a
 * private temp dir: a copy of `copyOf` (Chroma writes to what it serves) or an empty folder. The
 * returned object's `server` and `work` (the temp dir, removed afterwards) are set once it runs.
 */
export function useChromaServer(version: string, opts: { copyOf?: string; prefix?: string; prepare?: (work: string) => Promise<void> | void } = {}): { server: ChromaServer; work: string } {
  const state = { server: null as unknown as ChromaServer, work: '' };
  beforeAll(async () => {
    state.work = mkdtempSync(join(tmpdir(), opts.prefix ?? 'chroma-inspector-served-'));
    const served = join(state.work, 'served');
    if (opts.copyOf) cpSync(opts.copyOf, served, { recursive: true });
    else mkdirSync(served);
    await opts.prepare?.(state.work);
    state.server = await startChroma(served, version);
  }, 90_000);
  afterAll(async () => {
    await (state.server as ChromaServer | null)?.stop();
    stopAllChroma();
    if (state.work) rmSync(state.work, { recursive: true, force: true });
  });
  return state;
}
