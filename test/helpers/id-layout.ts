/**
 * Ids laid out back to back in one buffer, as a pickle holds them, after `lead` bytes of
 * something else: the buffer, and each id's byte range [idStart, idEnd).
 */
export function idLayout(ids: (string | Buffer)[], lead = 0) {
  const parts = ids.map((id) => (typeof id === 'string' ? Buffer.from(id, 'utf8') : id));
  const buf = Buffer.concat([Buffer.alloc(lead, 0x78), ...parts]);
  const idStart = new Int32Array(parts.length);
  const idEnd = new Int32Array(parts.length);
  let at = lead;
  parts.forEach((p, i) => {
    idStart[i] = at;
    at += p.length;
    idEnd[i] = at;
  });
  return { buf, idStart, idEnd };
}
