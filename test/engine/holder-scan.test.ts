import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { holderCommand, holderScanStats, holderScanTuning, processesHolding, processesHoldingOffThread } from '../../src-main/engine/folder/holder-scan.js';
import { bundleEntry } from '../helpers/bundle-entry.js';
import { holdOpen } from '../helpers/holder-process.js';
import { repoRoot } from '../helpers/paths.js';

const scratch = mkdtempSync(join(tmpdir(), 'chroma-inspector-holders-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  holderScanTuning.worker = true;
  delete holderScanTuning.method;
});

const onLinux = process.platform === 'linux';

describe('which other processes hold a file open', () => {
  const file = join(scratch, 'chroma.sqlite3');
  writeFileSync(file, 'not a database: only its descriptors matter');

  it.skipIf(!onLinux)('the worker thread finds the process the scan on this thread finds, and does the scanning', async () => {
    const holder = await holdOpen(file);
    try {
      const before = { ...holderScanStats };
      const off = await processesHoldingOffThread(file);
      expect(holderScanStats.offThread).toBe(before.offThread + 1);
      expect(holderScanStats.onThread).toBe(before.onThread);
      expect(off).toEqual([holder.pid]);
      expect(processesHolding(file)).toEqual([holder.pid]);
    } finally {
      await holder.kill();
    }
  });

  it.skipIf(!onLinux)('this process holding the file is not another process', async () => {
    const fd = openSync(file, 'r');
    try {
      expect(await processesHoldingOffThread(file)).toEqual([]);
      expect(processesHolding(file)).toEqual([]);
    } finally {
      closeSync(fd);
    }
  });

  it.skipIf(!onLinux)('a link to the file is the file: the holder is found by the path it was opened by', async () => {
    const { symlinkSync } = await import('node:fs');
    const link = join(scratch, 'link.sqlite3');
    symlinkSync(file, link);
    const holder = await holdOpen(file);
    try {
      expect(await processesHoldingOffThread(link)).toEqual([holder.pid]);
    } finally {
      await holder.kill();
    }
  });

  it('a cancelled scan rejects with CANCELLED, and the next one answers', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(processesHoldingOffThread(file, abort.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    const late = new AbortController();
    const pending = processesHoldingOffThread(file, late.signal);
    late.abort();
    // On Linux the worker is scanning: the abort wins. Elsewhere there is nothing to scan (an empty answer at once).
    if (onLinux) await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
    else await expect(pending).resolves.toEqual([]);
    expect(await processesHoldingOffThread(file)).toEqual([]);
  });

  it.skipIf(!onLinux)('callers asking at once for one file share a scan that has not started, and each gets the answer', async () => {
    const holder = await holdOpen(file);
    try {
      const before = { ...holderScanStats };
      const answers = await Promise.all(Array.from({ length: 5 }, () => processesHoldingOffThread(file)));
      expect(answers).toEqual(Array.from({ length: 5 }, () => [holder.pid]));
      expect(holderScanStats.offThread).toBe(before.offThread + 5);
      // The first may start before the others ask; the others queue behind it and share one scan.
      expect(holderScanStats.shared - before.shared).toBeGreaterThanOrEqual(3);
      expect(holderScanStats.onThread).toBe(before.onThread);
    } finally {
      await holder.kill();
    }
  });

  it.skipIf(!onLinux)('a scan its caller cancelled before the worker started it is skipped; the scans around it answer', async () => {
    const other = join(scratch, 'other.sqlite3');
    writeFileSync(other, '');
    const holder = await holdOpen(file);
    try {
      const before = { ...holderScanStats };
      const running = processesHoldingOffThread(file);
      // Queued behind the running scan (another file: it cannot share), then cancelled.
      const abort = new AbortController();
      const queued = processesHoldingOffThread(other, abort.signal);
      abort.abort();
      await expect(queued).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await running).toEqual([holder.pid]);
      expect(await processesHoldingOffThread(file)).toEqual([holder.pid]);
      expect(holderScanStats.skipped).toBe(before.skipped + 1);
      expect(holderScanStats.offThread).toBe(before.offThread + 2);
    } finally {
      await holder.kill();
    }
  });

  it.skipIf(!onLinux)('one caller of a shared scan cancelling leaves the scan to the others', async () => {
    const holder = await holdOpen(file);
    try {
      const before = { ...holderScanStats };
      const first = processesHoldingOffThread(file);
      const abort = new AbortController();
      const cancelledOne = processesHoldingOffThread(file, abort.signal);
      const third = processesHoldingOffThread(file);
      abort.abort();
      await expect(cancelledOne).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await Promise.all([first, third])).toEqual([[holder.pid], [holder.pid]]);
      // The third joined a queued scan (the first's, or the cancelled one's if the first had started), which still ran.
      expect(holderScanStats.shared - before.shared).toBeGreaterThanOrEqual(1);
      expect(holderScanStats.skipped).toBe(before.skipped);
    } finally {
      await holder.kill();
    }
  });

  it.skipIf(!onLinux)('with no worker thread the scan runs here, with the same answer', async () => {
    holderScanTuning.worker = false;
    const holder = await holdOpen(file);
    try {
      const before = { ...holderScanStats };
      expect(await processesHoldingOffThread(file)).toEqual([holder.pid]);
      expect(holderScanStats.onThread).toBe(before.onThread + 1);
      expect(holderScanStats.offThread).toBe(before.offThread);
    } finally {
      await holder.kill();
    }
  });

  it.skipIf(!onLinux)('a script that awaits a scan gets its answer and ends at once: the idle worker keeps no process alive', async () => {
    const { file: script, dir: bundled } = await bundleEntry(join(repoRoot, 'test', 'helpers', 'holder-scan-script.ts'));
    const holder = await holdOpen(file);
    try {
      // Its worker would stay ten minutes: a process it kept alive fails this at the time limit.
      const run = spawnSync(process.execPath, [script, file], { encoding: 'utf8', timeout: 20_000 });
      expect(run.signal, 'ended by itself').toBeNull();
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual([holder.pid]);
    } finally {
      await holder.kill();
      rmSync(bundled, { recursive: true, force: true });
    }
  });

  it.skipIf(!onLinux)('a worker ending for want of scans does not answer the scans sent to the next one', async () => {
    holderScanTuning.idleMs = 1;
    const holder = await holdOpen(file);
    try {
      for (let round = 0; round < 10; round++) {
        const before = { ...holderScanStats };
        expect(await processesHoldingOffThread(file)).toEqual([holder.pid]);
        // The worker's idle time is up: the next scan goes to a new worker while the old one ends.
        await new Promise((r) => setTimeout(r, 2));
        expect(await processesHoldingOffThread(file)).toEqual([holder.pid]);
        expect(holderScanStats.onThread, `round ${round}: no scan fell back to this thread`).toBe(before.onThread);
      }
    } finally {
      holderScanTuning.idleMs = 30_000;
      await holder.kill();
    }
  });

  // macOS and the BSDs have no /proc: there the scan asks lsof (installed here for this test).
  const hasLsof = spawnSync('lsof', ['-v'], { stdio: 'ignore' }).error === undefined;
  it.skipIf(!hasLsof || process.platform === 'win32')('without /proc, lsof finds the same holder, in the worker and here, and not this process', async () => {
    holderScanTuning.method = 'lsof';
    const holder = await holdOpen(file);
    const own = openSync(file, 'r');
    try {
      const before = { ...holderScanStats };
      expect(await processesHoldingOffThread(file)).toEqual([holder.pid]);
      expect(holderScanStats.offThread).toBe(before.offThread + 1);
      // Named by the scan, with ps (there is no /proc to read where lsof is used): what /proc says.
      const command = readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      expect(holderCommand(holder.pid)).toBe(command);
      expect(processesHolding(file)).toEqual([holder.pid]);
      expect(await processesHoldingOffThread(join(scratch, 'missing.sqlite3'))).toEqual([]);
    } finally {
      closeSync(own);
      await holder.kill();
    }
    // Nobody else: lsof's "not found" status is an empty answer, not a failure.
    expect(await processesHoldingOffThread(file)).toEqual([]);
    expect(processesHolding(file)).toEqual([]);
  });

  it('on Windows nothing can be known: no holders, and no worker started to find out', async () => {
    holderScanTuning.method = 'none';
    const before = { ...holderScanStats };
    expect(await processesHoldingOffThread(file)).toEqual([]);
    expect(processesHolding(file)).toEqual([]);
    expect(holderScanStats).toEqual(before);
  });

  it('a file that does not exist has no holders', async () => {
    expect(await processesHoldingOffThread(join(scratch, 'missing.sqlite3'))).toEqual([]);
    expect(processesHolding(join(scratch, 'missing.sqlite3'))).toEqual([]);
  });
});
