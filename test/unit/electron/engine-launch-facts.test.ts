import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNodeExecutable, readNativeAbi, requestedEngineHost, type FactsIo } from '../../../src-main/app/engine-launch-facts.js';

const fakeIo = (files: Record<string, string>): FactsIo => ({
  isFile: (p) => p in files,
  readText: (p) => files[p] ?? null,
});

describe('facts for the engine launch plan', () => {
  const bin = join('/opt', 'bin');
  const node = join(bin, 'node');

  it('prefers the Node that scripts/start.mjs runs in, with its ABI', () => {
    const io = fakeIo({ '/from/start': '', '/from/npm': '', [node]: '' });
    const env = { CHROMA_INSPECTOR_NODE: '/from/start', CHROMA_INSPECTOR_NODE_ABI: '115', npm_node_execpath: '/from/npm', PATH: bin };
    expect(findNodeExecutable(env, 'linux', io)).toEqual({ path: '/from/start', abi: '115' });
  });

  it("then npm's own Node, then node on PATH; only files that exist", () => {
    const io = fakeIo({ '/from/npm': '', [node]: '' });
    expect(findNodeExecutable({ CHROMA_INSPECTOR_NODE: '/gone', npm_node_execpath: '/from/npm', PATH: bin }, 'linux', io)).toEqual({ path: '/from/npm', abi: null });
    expect(findNodeExecutable({ PATH: ['/nowhere', '', bin].join(delimiter) }, 'linux', io)).toEqual({ path: node, abi: null });
    expect(findNodeExecutable({ PATH: '/nowhere' }, 'linux', io)).toBeNull();
    expect(findNodeExecutable({}, 'linux', io)).toBeNull();
  });

  it('looks for node.exe on Windows', () => {
    const io = fakeIo({ [join(bin, 'node.exe')]: '' });
    expect(findNodeExecutable({ Path: bin }, 'win32', io)).toEqual({ path: join(bin, 'node.exe'), abi: null });
  });

  it("reads the ABI @electron/rebuild recorded for better-sqlite3, in both marker formats", () => {
    const meta = join('/repo', 'node_modules', 'better-sqlite3', 'build', 'Release', '.forge-meta');
    expect(readNativeAbi('/repo', fakeIo({ [meta]: 'linux--x64--145' }))).toBe('145');
    expect(readNativeAbi('/repo', fakeIo({ [meta]: 'x64--133\n' }))).toBe('133');
    expect(readNativeAbi('/repo', fakeIo({ [meta]: 'garbage' }))).toBeNull();
    expect(readNativeAbi('/repo', fakeIo({}))).toBeNull();
  });

  it('accepts only the known host names from CHROMA_INSPECTOR_ENGINE_HOST', () => {
    expect(requestedEngineHost({ CHROMA_INSPECTOR_ENGINE_HOST: 'node' })).toBe('node');
    expect(requestedEngineHost({ CHROMA_INSPECTOR_ENGINE_HOST: 'utility' })).toBe('utility');
    expect(requestedEngineHost({ CHROMA_INSPECTOR_ENGINE_HOST: 'docker' })).toBeNull();
    expect(requestedEngineHost({})).toBeNull();
  });
});
