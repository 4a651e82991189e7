import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressPrinter } from '../../src-main/cli/commands/backup-commands.js';

// Progress on stderr: redrawn on a terminal; in a log, a line at most every 2 s, and in quiet mode
// (loads inside a quick count/get/query) nothing for work that ends within those 2 s.
afterEach(() => vi.useRealTimers());

function capture(tty: boolean) {
  const err: string[] = [];
  return { io: { stdout: () => {}, stderr: (s: string) => void err.push(s), tty }, err };
}

describe('progressPrinter', () => {
  it('in a log, prints the first step at once, then at most one line every 2 s', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { io, err } = capture(false);
    const p = progressPrinter(io);
    p.onProgress({ done: 1, total: 10, message: 'Loading' });
    vi.advanceTimersByTime(500);
    p.onProgress({ done: 2, total: 10, message: 'Loading' });
    vi.advanceTimersByTime(2000);
    p.onProgress({ done: 9, total: 10, message: 'Loading' });
    p.end();
    expect(err).toEqual(['10% Loading\n', '90% Loading\n']);
  });

  it('quiet: a log stays silent for work that ends within 2 s, and reports longer work', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { io, err } = capture(false);
    const quick = progressPrinter(io, { quiet: true });
    quick.onProgress({ done: 5, total: 10, message: 'Loading the vectors of s' });
    vi.advanceTimersByTime(1500);
    quick.onProgress({ done: 10, total: 10, message: 'Loading the vectors of s' });
    quick.end();
    expect(err).toEqual([]);
    const slow = progressPrinter(io, { quiet: true });
    vi.advanceTimersByTime(2500);
    slow.onProgress({ done: 3, total: 4, message: 'Loading the HNSW graph' });
    slow.end();
    expect(err).toEqual(['75% Loading the HNSW graph\n']);
  });

  it('on a terminal, redraws one line and clears it at the end', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const { io, err } = capture(true);
    const p = progressPrinter(io, { quiet: true });
    p.onProgress({ done: 1, total: 2, message: 'Replaying the WAL' });
    p.end();
    expect(err).toEqual(['\r\x1b[2K50% Replaying the WAL', '\r\x1b[2K']);
  });
});
