import os from 'node:os';

/**
 * Whether this machine stores numbers little-endian, as Chroma's files do (vectors, length.bin,
 * link lists). When it does, file bytes can be viewed as typed arrays with no per-value decode.
 */
export const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';
