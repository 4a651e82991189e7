import { describe, expect, it } from 'vitest';
import { planEngineLaunch, type EngineLaunchFacts } from '../../../src-main/app/engine-launch-plan.js';

const ELECTRON = '145';
const NODE = '115';
const dev = (over: Partial<EngineLaunchFacts> = {}): EngineLaunchFacts => ({
  isPackaged: false,
  electronAbi: ELECTRON,
  nativeAbi: null,
  node: { path: '/usr/bin/node', abi: NODE },
  requested: null,
  ...over,
});
const kinds = (f: EngineLaunchFacts) => planEngineLaunch(f).candidates.map((c) => c.kind);

describe('which process runs the engine', () => {
  it('packaged app: the utility process only (modules rebuilt for Electron, no Node to rely on)', () => {
    const plan = planEngineLaunch({ ...dev(), isPackaged: true, node: { path: '/usr/bin/node', abi: NODE }, requested: 'node' });
    expect(plan.candidates.map((c) => c.kind)).toEqual(['utility']);
    expect(plan.summary).toMatch(/packaged/);
  });

  it('development after a plain npm install: Node first, then the utility process in case they were rebuilt', () => {
    const plan = planEngineLaunch(dev());
    expect(plan.candidates).toEqual([
      { kind: 'node', nodePath: '/usr/bin/node', why: expect.stringContaining('ABI 115') },
      { kind: 'utility', why: expect.stringContaining('unknown') },
    ]);
    expect(plan.summary).toBe('development: engine in a Node.js child process, else an Electron utility process');
  });

  it('development with modules rebuilt for Electron (.forge-meta): the utility process first', () => {
    expect(kinds(dev({ nativeAbi: ELECTRON, node: { path: '/usr/bin/node', abi: null } }))).toEqual(['utility', 'node']);
    // A Node of known, different ABI cannot load them.
    expect(kinds(dev({ nativeAbi: ELECTRON }))).toEqual(['utility']);
  });

  it('development with modules recorded for Node: no utility process', () => {
    expect(kinds(dev({ nativeAbi: NODE }))).toEqual(['node']);
  });

  it('no Node.js found: only the utility process, which works only if the modules were rebuilt', () => {
    expect(kinds(dev({ node: null }))).toEqual(['utility']);
  });

  it('nothing can work: says why, with no candidates', () => {
    const plan = planEngineLaunch(dev({ node: null, nativeAbi: NODE }));
    expect(plan.candidates).toEqual([]);
    expect(plan.summary).toMatch(/no Node\.js executable was found/);
    expect(plan.summary).toMatch(/built for ABI 115, not Electron's 145/);
    const mismatch = planEngineLaunch(dev({ nativeAbi: '120' }));
    expect(mismatch.candidates).toEqual([]);
    expect(mismatch.summary).toMatch(/Node\.js found \(ABI 115\) does not match the native modules \(ABI 120\)/);
  });

  it('a requested host is the only one tried, and its absence is explained', () => {
    expect(kinds(dev({ requested: 'utility' }))).toEqual(['utility']);
    expect(kinds(dev({ requested: 'node' }))).toEqual(['node']);
    const plan = planEngineLaunch(dev({ requested: 'node', node: null }));
    expect(plan.candidates).toEqual([]);
    expect(plan.summary).toMatch(/CHROMA_INSPECTOR_ENGINE_HOST=node was requested; no Node\.js executable/);
  });
});
