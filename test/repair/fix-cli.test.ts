import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FixReport } from '../../shared/models.js';
import { InspectorError } from '../../shared/errors.js';
import { fixCommand } from '../../src-main/cli/commands/fix-command.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { hashTree } from '../helpers/hash-tree.js';
import { capturedCli, interruptingIo } from '../helpers/run-cli-captured.js';
import { fixtureCopies, leftovers, loadCases, runCases, scratch } from './helpers.js';

const tmp = scratch('ci-repair-cli-');
afterAll(() => tmp.cleanup());
const cli = capturedCli();
const ORPHAN_FOLDER = '5523d958-f31b-43f6-a027-2778e810ab9e';

const source = fixtureCopies(tmp.dir);

describe('chroma-inspector fix', () => {
  it('repairs into a new folder: the report as JSON on stdout, progress and a summary on stderr', async () => {
    const { src, parent } = source();
    const before = hashTree(src);
    const target = join(parent, 'fixed');
    const run = await cli(['fix', src, target, '--only', 'orphans', 'fts-rebuild']);
    expect(run.err).not.toMatch(/^error/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as FixReport;
    expect(report.target).toBe(target);
    expect(report.kinds).toEqual(['orphans', 'fts-rebuild']);
    expect(run.err).toMatch(new RegExp(`removed segment folder ${ORPHAN_FOLDER}`));
    expect(run.err).toMatch(/fts-rebuild: nothing done \(the full-text index already matches every document\)/);
    expect(run.err).toMatch(/default_tenant\/default_database\/articles: 1349 records \(1349 before\)/);
    expect(hashTree(src)).toEqual(before);
    expect(runCases(target, loadCases('chroma-1.3.4-seed7'))).toEqual([]);
  });

  it('--only takes repeated and comma-separated kinds; an unknown kind is a usage error', async () => {
    const { src, parent } = source();
    const run = await cli(['fix', src, join(parent, 'a'), '--only', 'orphans,purge-wal', '--only', 'fts-rebuild']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.out) as FixReport).kinds).toEqual(['orphans', 'fts-rebuild', 'purge-wal']);
    const bad = await cli(['fix', src, join(parent, 'b'), '--only', 'defrag']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown fix "defrag"/);
    expect(existsSync(join(parent, 'b'))).toBe(false);
  });

  it('exit 1 with the error on stderr for a non-empty target, which is left as it was', async () => {
    const { src, parent } = source();
    const full = join(parent, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const run = await cli(['fix', src, full]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^error \[INVALID_ARGUMENT\]: .*not empty/m);
    expect(run.out).toBe('');
    expect(hashTree(full)).toEqual({ 'keep.txt': expect.any(String) });
    expect(leftovers(parent)).toEqual([]);
  });

  it('--in-place prints the verified backup it wrote first, then replaces the folder', async () => {
    const { src, parent } = source();
    const run = await cli(['fix', src, '--in-place', '--only', 'orphans']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out) as FixReport;
    expect(report.target).toBe(src);
    expect(run.err).toContain(`backup written and verified: ${report.backup}`);
    expect(existsSync(report.backup!)).toBe(true);
    expect(existsSync(join(src, ORPHAN_FOLDER))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
    const usage = await cli(['fix', src, join(parent, 'other'), '--in-place']);
    expect(usage.code).toBe(2);
  });

  it('Ctrl-C cancels: exit 130, no staging folder, no target', async () => {
    const { src, parent } = source();
    // The first progress line arrives while the folder is being copied: interrupt then.
    const io = interruptingIo();
    const code = await fixCommand({ positionals: [src, join(parent, 'fixed')], options: {} }, io);
    expect(io.interrupted).toBe(true);
    expect(code).toBe(130);
    expect(existsSync(join(parent, 'fixed'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });
});

describe('the fix contract method', () => {
  it('repairs the open folder into a new one, with progress; the target follows the path policy', async () => {
    const { src, parent } = source();
    const service = new EngineService({ roots: [parent] });
    const client = createInProcessClient(service);
    try {
      const { handle } = await client.call('openFolder', { path: src });
      const progress: string[] = [];
      const report = await client.call('fix', { handle, target: join(parent, 'fixed'), only: ['orphans'] }, { onProgress: (p) => progress.push(p.message ?? '') });
      expect(progress.some((m) => m.startsWith('orphans'))).toBe(true);
      expect(report.fixes.map((f) => f.kind)).toEqual(['orphans']);
      expect(report.verification.find((c) => c.name === 'articles')?.countAfter).toBe(1349);
      expect(existsSync(join(parent, 'fixed', ORPHAN_FOLDER))).toBe(false);
      const outside = await client.call('fix', { handle, target: join(tmp.dir, 'elsewhere') }).catch((e: unknown) => e);
      expect((outside as InspectorError).code).toBe('UNAUTHORIZED');
      const bad = await client.call('fix', { handle, target: join(parent, 'x'), only: ['defrag' as never] }).catch((e: unknown) => e);
      expect((bad as InspectorError).code).toBe('INVALID_ARGUMENT');
    } finally {
      client.close();
      await service.closeAll();
    }
  });

  it('cancel through the contract leaves nothing behind', async () => {
    const { src, parent } = source();
    const service = new EngineService();
    const client = createInProcessClient(service);
    try {
      const { handle } = await client.call('openFolder', { path: src });
      const ac = new AbortController();
      const err = await client
        .call('fix', { handle, target: join(parent, 'fixed') }, { signal: ac.signal, onProgress: (p) => p.message?.startsWith('hnsw-rebuild') && ac.abort() })
        .catch((e: unknown) => e);
      expect((err as InspectorError).code).toBe('CANCELLED');
      // The engine side finishes its cleanup after the cancel reaches it.
      const until = Date.now() + 10_000;
      while (leftovers(parent).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(leftovers(parent)).toEqual([]);
      expect(existsSync(join(parent, 'fixed'))).toBe(false);
    } finally {
      client.close();
      await service.closeAll();
    }
  });
});
