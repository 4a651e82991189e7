import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isEngineStatus, probeNativeModules } from '../../../src-main/app/engine-readiness.js';

describe("the engine host's native-module probe", () => {
  it('passes where the modules were built for this runtime (Node, as npm installed them)', () => {
    const status = probeNativeModules(createRequire(import.meta.url));
    expect(status).toMatchObject({ type: 'engine-ready', abi: process.versions.modules, pid: process.pid });
    expect(status.type === 'engine-ready' && status.sqlite).toMatch(/^3\.\d+/);
  });

  it("reports an ABI mismatch as a failure naming the runtime, instead of throwing", () => {
    const load = () => {
      throw new Error("The module 'better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115.");
    };
    const status = probeNativeModules(load);
    expect(status.type).toBe('engine-failed');
    expect(status.type === 'engine-failed' && status.message).toMatch(new RegExp(`ABI ${process.versions.modules}\\): .*NODE_MODULE_VERSION 115`));
  });

  it('opens a database: loading better-sqlite3 alone would not load its binary', () => {
    const real = createRequire(import.meta.url);
    const load = (id: string) => {
      if (id === 'better-sqlite3')
        return class {
          constructor() {
            throw new Error('binary did not load');
          }
        };
      return real(id);
    };
    expect(probeNativeModules(load)).toMatchObject({ type: 'engine-failed', message: expect.stringContaining('binary did not load') });
  });

  it('recognises status messages only', () => {
    expect(isEngineStatus({ type: 'engine-ready', abi: '1', sqlite: '3', pid: 1 })).toBe(true);
    expect(isEngineStatus({ type: 'engine-failed', message: 'x' })).toBe(true);
    expect(isEngineStatus({ type: 'engine-failed' })).toBe(false);
    expect(isEngineStatus({ type: 'session-message', session: 1 })).toBe(false);
    expect(isEngineStatus(null)).toBe(false);
  });
});
