import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { EngineHost } from '../../../src-main/app/engine-host-handle.js';
import type { EngineCandidate, EngineLaunchPlan } from '../../../src-main/app/engine-launch-plan.js';
import { ENGINE_UNAVAILABLE_EXIT, startEngineThenWindow, type StartupDeps } from '../../../src-main/app/engine-startup.js';

const NODE: EngineCandidate = { kind: 'node', nodePath: '/usr/bin/node', why: 'npm built the modules for it' };
const UTILITY: EngineCandidate = { kind: 'utility', why: 'maybe rebuilt' };
const plan = (candidates: EngineCandidate[]): EngineLaunchPlan => ({ candidates, summary: candidates.length ? 'development: …' : 'no engine host can load the native modules: no Node.js' });
const host = (kind: EngineHost['kind']): EngineHost => ({ kind, connect: vi.fn(), stop: vi.fn(), onExit: vi.fn(), onPathProduced: vi.fn() });

function deps(over: Partial<StartupDeps>): StartupDeps & { lines: string[] } {
  const lines: string[] = [];
  return {
    plan: plan([NODE, UTILITY]),
    launch: vi.fn(async (c: EngineCandidate) => host(c.kind)),
    openWindow: vi.fn(),
    canFallBackToBrowser: true,
    showError: vi.fn(),
    log: (l) => lines.push(l),
    exit: vi.fn(),
    lines,
    ...over,
  };
}

describe("main's start-up: engine first, window second", () => {
  it('opens the window once the first candidate is ready, and tries no other', async () => {
    const d = deps({});
    const started = await startEngineThenWindow(d);
    expect(started?.candidate).toBe(NODE);
    expect(d.launch).toHaveBeenCalledTimes(1);
    expect(d.openWindow).toHaveBeenCalledTimes(1);
    expect(d.exit).not.toHaveBeenCalled();
  });

  it('falls through to the next candidate when one fails its handshake', async () => {
    const launch = vi.fn(async (c: EngineCandidate) => {
      if (c.kind === 'node') throw new Error('the engine process exited (code 1) before it was ready');
      return host('utility');
    });
    const d = deps({ launch });
    const started = await startEngineThenWindow(d);
    expect(started?.candidate).toBe(UTILITY);
    expect(d.openWindow).toHaveBeenCalledTimes(1);
    expect(d.lines.join('\n')).toMatch(/node host failed: the engine process exited/);
  });

  it('engine not ready under npm start: no window, exit code that makes start.mjs serve the browser UI', async () => {
    const launch = vi.fn(async () => {
      throw new Error('NODE_MODULE_VERSION 115');
    });
    const d = deps({ launch });
    expect(await startEngineThenWindow(d)).toBeNull();
    expect(d.openWindow).not.toHaveBeenCalled();
    expect(d.showError).not.toHaveBeenCalled();
    expect(d.exit).toHaveBeenCalledWith(ENGINE_UNAVAILABLE_EXIT);
    expect(d.lines.join('\n')).toMatch(/node: NODE_MODULE_VERSION 115\nutility: NODE_MODULE_VERSION 115/);
  });

  it('engine not ready with no browser fallback (packaged, or Electron started by hand): a dialog, no window', async () => {
    const d = deps({
      canFallBackToBrowser: false,
      plan: plan([UTILITY]),
      launch: async () => {
        throw new Error('did not report ready within 30 s');
      },
    });
    expect(await startEngineThenWindow(d)).toBeNull();
    expect(d.openWindow).not.toHaveBeenCalled();
    expect(d.showError).toHaveBeenCalledWith('Chroma Inspector cannot start its engine', expect.stringContaining('utility: did not report ready within 30 s'));
    expect(d.exit).toHaveBeenCalledWith(1);
  });

  it('a plan with no candidates launches nothing and explains the plan', async () => {
    const d = deps({ plan: plan([]), canFallBackToBrowser: false });
    await startEngineThenWindow(d);
    expect(d.launch).not.toHaveBeenCalled();
    expect(d.openWindow).not.toHaveBeenCalled();
    expect(d.showError).toHaveBeenCalledWith(expect.any(String), expect.stringContaining('no Node.js'));
  });

  it('scripts/start.mjs falls back on the same exit code', () => {
    const start = readFileSync(new URL('../../../scripts/start.mjs', import.meta.url), 'utf8');
    expect(start).toContain(`const ENGINE_UNAVAILABLE_EXIT = ${ENGINE_UNAVAILABLE_EXIT};`);
    expect(start).toMatch(/code === ENGINE_UNAVAILABLE_EXIT\)[\s\S]*serve\(/);
    // And it tells main which Node to run the engine in.
    expect(start).toContain('CHROMA_INSPECTOR_NODE: process.execPath');
  });
});
