import fs from 'node:fs';
import { addonFunctions } from './addon-functions.js';

/** `off`: every row through its own readSync, never the addon (tests read both ways). Read at each call. */
export const NATIVE_ROWS_ENV = 'CHROMA_INSPECTOR_NATIVE_ROWS';

/**
 * Rows of `rowBytes` bytes of the file open as `fd`, row k from byte ids[k] × rowBytes, into
 * out[k × rowBytes …]: the rows a walk over data_level0.bin needs next (an element's neighbours,
 * a sample's pairs). Gives how many rows, from the first, were read whole; it stops at the first
 * one that is not (the file ends). Through the addon's readRows, one call for all of them, where
 * one readSync a row cost 4–35 µs in a fresh process (its JavaScript, not the read); without the
 * addon, or where it declines, one readSync a row, to the same result. An I/O error is thrown by
 * the readSync path; the addon's stops there instead, and the caller reads that row itself.
 */
export function readRows(fd: number, ids: Uint32Array, count: number, rowBytes: number, out: Uint8Array): number {
  const native = process.env[NATIVE_ROWS_ENV] === 'off' ? null : addonFunctions().readRows;
  if (native) {
    const got = native(fd, ids, count, rowBytes, out);
    if (got >= 0) return got;
  }
  for (let k = 0; k < count; k++) {
    const at = ids[k]! * rowBytes;
    let done = 0;
    while (done < rowBytes) {
      const got = fs.readSync(fd, out, k * rowBytes + done, rowBytes - done, at + done);
      if (got === 0) return k;
      done += got;
    }
  }
  return count;
}
