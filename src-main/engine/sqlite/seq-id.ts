/**
 * seq ids are INTEGER in Rust-core folders and 8-byte (or 24-byte) big-endian BLOBs before
 * metadb/00005. Both can sit in the same column after a mixed-version history.
 */
export function decodeSeqId(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) {
    if (value.length === 0) return null;
    // The 24-byte Pulsar-era form decodes like the 8-byte one: the low 8 bytes carry the value.
    const tail = value.subarray(Math.max(0, value.length - 8));
    let n = 0n;
    for (const byte of tail) n = (n << 8n) | BigInt(byte);
    return Number(n);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return null;
}

export function seqIdEncoding(value: unknown): 'integer' | 'blob' | 'absent' {
  if (value === null || value === undefined) return 'absent';
  return Buffer.isBuffer(value) ? 'blob' : 'integer';
}
