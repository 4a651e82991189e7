import { readdirSync, readlinkSync } from 'node:fs';

/** Counts turns of the event loop that other work gets, until stopped: how often a sliced task gave the thread back. */
export function turnCounter() {
  let turns = 0;
  let timer = setImmediate(function tick() {
    turns++;
    timer = setImmediate(tick);
  });
  return { turns: () => turns, stop: () => clearImmediate(timer) };
}

/** Descriptors this process holds open on files under `dir` (Linux: /proc/self/fd). */
export function openFilesIn(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}
