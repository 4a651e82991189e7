import fs from 'node:fs';
import { addonFunctions } from './addon-functions.js';

/**
 * The share of `file`'s pages in the OS page cache, 0 to 1, or null where it cannot be told (no
 * addon, a system without mincore, a file it cannot open). Through the addon's residentShare
 * (native/page-residency.cc): the file is mapped and mincore() asked, nothing read. ~5 ms for a
 * 700 MB file. What it says can be stale the moment after: the kernel evicts pages at any time
 * (on these virtual machines the page cache is given back to the host within minutes).
 */
export function residentShare(file: string): number | null {
  const native = addonFunctions().residentShare;
  if (!native) return null;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const share = native(fd);
    return share >= 0 && share <= 1 ? share : null;
  } finally {
    fs.closeSync(fd);
  }
}
