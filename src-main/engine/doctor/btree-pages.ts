import { closeSync, openSync, readSync } from 'node:fs';
import { InspectorError } from '../../../shared/errors.js';

/**
 * Pages per b-tree, read straight from the database file: for SQLite builds without the `dbstat`
 * virtual table. Follows the file format (sqlite.org/fileformat2.html): from each root page down
 * through interior pages, counting leaf pages and, per cell, the overflow pages its payload needs.
 * Read-only, one page at a time; the caller holds a read transaction so the file does not move.
 */
export function btreePages(file: string, roots: { name: string; rootpage: number }[]): Map<string, number> {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(100);
    readSync(fd, head, 0, 100, 0);
    const raw = head.readUInt16BE(16);
    const pageSize = raw === 1 ? 65536 : raw;
    const usable = pageSize - head[20]!;
    const pageCount = head.readUInt32BE(28);
    const page = Buffer.alloc(pageSize);
    const read = (n: number): Buffer => {
      if (n < 1 || n > pageCount) throw new InspectorError('CORRUPT_SQLITE', `${file}: b-tree page ${n} is outside the file's ${pageCount} pages`);
      readSync(fd, page, 0, pageSize, (n - 1) * pageSize);
      return page;
    };
    const out = new Map<string, number>();
    for (const { name, rootpage } of roots) {
      if (!rootpage) continue;
      let pages = 0;
      const stack = [rootpage];
      while (stack.length > 0) {
        const n = stack.pop()!;
        if (++pages > pageCount) throw new InspectorError('CORRUPT_SQLITE', `${file}: the b-tree of ${name} loops`);
        const p = read(n);
        const base = n === 1 ? 100 : 0;
        const type = p[base]!;
        const cells = p.readUInt16BE(base + 3);
        const interior = type === 2 || type === 5;
        const pointers = base + (interior ? 12 : 8);
        if (interior) stack.push(p.readUInt32BE(base + 8));
        for (let i = 0; i < cells; i++) {
          let at = p.readUInt16BE(pointers + 2 * i);
          if (interior) {
            stack.push(p.readUInt32BE(at));
            if (type === 5) continue; // table interior cells carry no payload
            at += 4;
          }
          const [payload, used] = varint(p, at);
          if (type === 13) at += used + varint(p, at + used)[1];
          else at += used;
          pages += overflowPages(payload, usable, type === 13);
        }
      }
      out.set(name, pages);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** SQLite's 1–9 byte big-endian varint: [value, bytes]. Payload sizes fit a double. */
function varint(buf: Buffer, at: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 8; i++) {
    const b = buf[at + i]!;
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) return [v, i + 1];
  }
  return [v * 256 + buf[at + 8]!, 9];
}

/** Overflow pages a cell's payload needs beyond what stays on the b-tree page (fileformat2 §1.6). */
function overflowPages(payload: number, usable: number, tableLeaf: boolean): number {
  const maxLocal = tableLeaf ? usable - 35 : Math.floor(((usable - 12) * 64) / 255) - 23;
  if (payload <= maxLocal) return 0;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((payload - minLocal) % (usable - 4));
  const local = k <= maxLocal ? k : minLocal;
  return Math.ceil((payload - local) / (usable - 4));
}
